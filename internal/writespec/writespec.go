// Package writespec is the format of internal/fakestripe/writes_gen.json:
// the create, update and delete endpoints of the resources stripesql can
// write, with their form parameters, as internal/specgen reads them from
// Stripe's OpenAPI spec and the fake Stripe server validates requests
// against them. One definition serves the writer and the reader.
package writespec

// Param is one form parameter of a create or update endpoint. Package
// tables gets the top level (tables.WriteParam: which columns a statement
// may set, and how); the fake Stripe server gets the whole tree, to
// validate requests as Stripe does.
type Param struct {
	Name string `json:"name"`
	// Type is the JSON type the API takes: string, integer, number,
	// boolean, object or array; "any" when it takes several.
	Type     string `json:"type"`
	Required bool   `json:"required,omitempty"`
	// Unset is true when the empty string is accepted too: it clears the
	// value (metadata, description, …).
	Unset bool     `json:"unset,omitempty"`
	Enum  []string `json:"enum,omitempty"`
	// Hash is an object taking any key (metadata, currency_options).
	Hash bool `json:"hash,omitempty"`
	// Properties are an object's keys, Items an array's elements.
	Properties []Param `json:"properties,omitempty"`
	Items      *Param  `json:"items,omitempty"`
}

// Endpoints are the write operations on one resource: POST on its list
// path (create), POST and DELETE on its object path (update, delete).
type Endpoints struct {
	// ItemPath is the object's path, e.g. "/v1/customers/{customer}".
	ItemPath string `json:"item_path"`
	// Create and Update are nil when the API has no such endpoint.
	Create []Param `json:"create"`
	Update []Param `json:"update"`
	Delete bool    `json:"delete"`
}

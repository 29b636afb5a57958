// Package listspec is the format of internal/fakestripe/lists_gen.json:
// every list endpoint of Stripe's OpenAPI spec with its parameters, as
// internal/specgen reads them and the fake Stripe server serves them. One
// definition serves the writer and the reader.
package listspec

// Endpoint is one GET endpoint of the spec answering a list object:
// what package tables makes a table of and the fake server answers.
type Endpoint struct {
	Path string `json:"path"`
	// Objects are the schema names of the listed objects: one, or several
	// for a polymorphic list (an account's external accounts: bank
	// accounts and cards).
	Objects []string `json:"objects"`
	// Required are the query parameters the list cannot be read without
	// (treasury lists' financial_account); path parameters are always
	// required and not repeated here.
	Required []string `json:"required"`
	// Retrieve is the path of one listed object (Path/{param}), "" when
	// the spec has none.
	Retrieve string `json:"retrieve"`
	// Paged is true when the list takes limit and starting_after; a few
	// (report types, an account's capabilities) answer every object at
	// once and refuse them.
	Paged bool `json:"paged"`
	// Description is the operation's, cleaned to one line.
	Description string  `json:"description"`
	Params      []Param `json:"params"`
}

// Param is one parameter of a list endpoint, pagination and expand left
// out (tables.ListParam is its Go twin).
type Param struct {
	Name string `json:"name"`
	// In is "query", or "path" for the parent's id of a child list.
	In       string   `json:"in"`
	Required bool     `json:"required"`
	Range    bool     `json:"range"` // accepts the {gt,gte,lt,lte} range object, like created
	Enum     []string `json:"enum"`  // allowed values, if the spec restricts them
	// Type is the JSON type of the parameter's plain value: "string",
	// "boolean" or "integer"; "object" or "array" for a parameter that
	// takes only a hash or a list (prices' recurring, products' ids).
	Type string `json:"type"`
	// Field is the property of the listed object the parameter filters:
	// the property of its name when that is a value of the parameter's
	// type (an id, a code, a boolean; a Unix time for a range), or for a
	// created range without a created property, the property holding the
	// object's creation time (invoice items' date). "" when the object has
	// none: the parameter filters on something the object does not show
	// (balance transactions' payout).
	Field string `json:"field"`
	// Reveals marks a parameter without which the list leaves out the
	// objects it selects (customers of test clocks): the unfiltered list
	// cannot stand in for it.
	Reveals     bool   `json:"reveals"`
	Description string `json:"-"`
}

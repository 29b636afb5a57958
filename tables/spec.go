// Package tables declares the Stripe resources served as SQL tables: one
// small file per resource (charges.go, invoices.go, …), each a Spec of its
// API path, the list parameters a filter can reach, and its relation to a
// parent; the columns come from the OpenAPI spec (schema_gen.go, generated
// by internal/specgen). The machinery that serves them is in the
// sub-packages: sqltable (planning, reading, writes, caching), decode
// (JSON to typed values) and rowcache (the rows the cache holds).
package tables

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Spec declares one Stripe resource as a table. It says only what the Stripe
// API offers; package sqltable turns it into a go-mysql-server table,
// decides which requests answer a query and decodes the pages.
type Spec struct {
	// Name is the SQL table name, e.g. "charges".
	Name string
	// Object is the OpenAPI schema the rows are, e.g. "charge"; its
	// properties become the columns (see schema_gen.go).
	Object string
	// Path is the list endpoint, e.g. "/v1/charges". A child resource names
	// its parent's key in braces: "/v1/invoices/{invoice}/lines".
	Path string
	// NoRetrieve marks a resource without GET Path/{id}.
	NoRetrieve bool
	// Created is true when the list endpoint filters on created ranges.
	Created bool
	// Filters are the columns whose equality the list endpoint can filter.
	// register adds every equality parameter of the endpoint not declared
	// (see derive): declare a filter only for what the spec cannot say
	// (events' type IN (…) as types[]).
	Filters []Filter
	// Ranges are the other unix-time columns the list endpoint filters by
	// range, like created (invoices' due_date); register derives them.
	Ranges []Range
	// Defaults are list parameters sent on every list request, e.g.
	// subscriptions' status=all: Stripe hides canceled subscriptions
	// unless asked, and a table must hold every row.
	Defaults map[string]string
	// NotPushed are list parameters the table does not send though the
	// endpoint takes them, leaving their condition to the engine: an
	// upcoming invoice's subscription must be the walked customer's, or
	// Stripe refuses the request.
	NotPushed []string
	// Comment describes the table in SHOW CREATE TABLE and
	// information_schema.tables.
	Comment string

	// Parent makes a child resource, listed per parent object (invoice
	// lines per invoice).
	Parent *Parent
	// Single marks an endpoint that answers one object, not a list
	// (/v1/account; /v1/invoices/upcoming per customer).
	Single bool
	// Key is the primary key column: "id" when empty, "-" for none.
	Key string
	// Requires are columns every query must pin (=, IN (…) or a join on
	// them): list parameters Stripe answers nothing without and that no
	// table can supply by walking (apps secrets' scope), or the parent of
	// a child list no endpoint lists (a tax calculation's line items).
	Requires []string
	// Unpinned are list parameters a read pinning none of the table's
	// filter-only columns sends in their stead, where one value of a
	// required parameter lists the table sensibly (apps secrets:
	// scope[type]=account, the account's own secrets; a user's are read
	// by pinning scope_type = 'user' and scope_user). The columns of the
	// parameters then hold those values. A table with Requires and no
	// Unpinned cannot be read whole (Listable).
	Unpinned map[string]string
	// Unpaged marks a list that takes no limit or starting_after: it
	// answers every object in one response (report types).
	Unpaged bool
	// Columns replaces the generated columns, for a table whose rows are
	// shaped by Explode rather than being API objects.
	Columns []Column
	// Explode turns one API object into the table's rows (the balance: one
	// row per currency and kind of funds).
	Explode func(obj json.RawMessage) ([]json.RawMessage, error)
	// Derive builds rows from a field of other tables' objects instead of
	// an endpoint of their own (discounts live on customers, subscriptions
	// and invoices).
	Derive []Derive
	// Search declares the resource's Search API (search.go), nil for none.
	Search *Search
}

// Parent ties a child resource to the table it belongs to.
type Parent struct {
	// Table is the parent table, e.g. "invoices"; "" when no table lists
	// the parents (the column is then in Spec.Requires).
	Table string
	// Column is the child's column holding the parent's id, e.g.
	// "invoice"; when the object has no such property it is added.
	Column string
	// Param names the parent id in the request: the {Param} in Path, or a
	// query parameter when InQuery.
	Param   string
	InQuery bool
	// With are list parameters the child list needs besides the parent's
	// id, each taken from the parent object's field of the same name (a
	// financial connections account's owners are listed per its
	// ownership): a walk reads them from the parents it lists, and a
	// pinned parent is retrieved first.
	With []string
}

// Derive names a field of another table's objects holding this table's rows.
type Derive struct {
	Table string
	Field string
}

// Filter maps a column onto a list parameter that filters by equality.
type Filter struct {
	Column string
	// Param is the list parameter; empty means the column's name.
	Param string
	// InParam is an array parameter taking several values at once, so
	// that `col IN (…)` is one list (events: types[]).
	InParam string
	// Only marks a filter-only column: the parameter selects objects by
	// something they do not show (balance transactions' payout). The
	// column is NULL on rows read without the parameter and holds the
	// parameter's value on rows read with it, so it must be pinned (=,
	// IN, or a join on it) to mean anything in a condition.
	Only bool
}

// Range maps a unix-time column onto a list parameter filtering it by
// range (gt, gte, lt, lte).
type Range struct {
	Column string
	// Param is the list parameter; empty means the column's name.
	Param string
}

// ParamName is the list parameter of the range.
func (r Range) ParamName() string {
	if r.Param != "" {
		return r.Param
	}
	return r.Column
}

// ParamName is the list parameter of the filter.
func (f Filter) ParamName() string {
	if f.Param != "" {
		return f.Param
	}
	return f.Column
}

var registry = map[string]*Spec{}

// register adds a resource; each resource file calls it from init.
func register(s *Spec) {
	if _, dup := registry[s.Name]; dup {
		panic("tables: duplicate table " + s.Name)
	}
	s.derive()
	registry[s.Name] = s
}

// derive adds the list parameters of the spec's endpoint it does not
// declare, as the OpenAPI spec describes them (schema_gen.go): every
// plain (string or boolean) equality parameter becomes a filter of the
// field it filters, or a filter-only column when the object has no such
// field; every range parameter a range of the unix-time field it filters.
// Left out are parameters taking a hash or an array (prices' recurring),
// the parent's id of a child list, defaults the table always sends, and
// a parameter named like a field of another shape (promotion codes'
// coupon, the coupon object: a filter-only column cannot take its name).
func (s *Spec) derive() {
	if s.Single || s.Derive != nil || s.Columns != nil {
		return
	}
	for _, p := range listParams[s.Path] {
		switch {
		case s.declares(p.Name):
		case p.Range && p.Field != "" && p.Field != "created":
			s.Ranges = append(s.Ranges, Range{Column: p.Field, Param: paramIfRenamed(p)})
		case p.Range:
			// created is declared (Created); the generator finds a field
			// for every range of the pinned version.
		case p.Type != "string" && p.Type != "boolean":
		case p.Field != "":
			s.Filters = append(s.Filters, Filter{Column: p.Field, Param: paramIfRenamed(p)})
		case !HasColumn(objectColumns[s.Object], p.Name):
			s.Filters = append(s.Filters, Filter{Column: p.Name, Only: true})
		}
	}
}

// paramIfRenamed is a Filter's or Range's Param: empty when the column
// has the parameter's name.
func paramIfRenamed(p ListParam) string {
	if p.Field == p.Name {
		return ""
	}
	return p.Name
}

// declares reports whether list parameter name is already spoken for:
// a declared filter or range, created, a default, the parent's id, or
// one the table does not send.
func (s *Spec) declares(name string) bool {
	if _, ok := s.Defaults[name]; ok || name == "created" && s.Created || s.Parent != nil && s.Parent.Param == name || slices.Contains(s.NotPushed, name) {
		return true
	}
	for _, f := range s.Filters {
		if f.ParamName() == name || f.InParam == name {
			return true
		}
	}
	for _, r := range s.Ranges {
		if r.ParamName() == name {
			return true
		}
	}
	return false
}

// Specs returns every registered resource, sorted by table name.
func Specs() []*Spec {
	all := specs()
	out := make([]*Spec, 0, len(all))
	for _, s := range all {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup finds a resource by table name, case-insensitively as MySQL does
// for table names.
func Lookup(name string) (*Spec, bool) {
	s, ok := specs()[strings.ToLower(name)]
	return s, ok
}

// AllColumns returns the table's columns: the generated columns of the
// spec's object, plus the parent column when the object lacks it, the
// amounts' major-unit twins, the filter-only columns and stripe_account.
func (s *Spec) AllColumns() ([]Column, error) {
	cols, err := s.objectColumns()
	if err != nil {
		return nil, err
	}
	return append(append(withMajors(cols), s.filterOnlyColumns()...), AccountColumnDef), nil
}

// filterOnlyColumns are the columns of the filter-only list parameters.
func (s *Spec) filterOnlyColumns() []Column {
	var out []Column
	for _, f := range s.Filters {
		if !f.Only {
			continue
		}
		p, ok := s.Param(f.ParamName())
		if !ok {
			// a property of a hash parameter (scope[type]): the hash's
			p, _ = s.Param(f.ParamName()[:strings.IndexByte(f.ParamName(), '[')])
		}
		c := Column{Name: f.Column, Kind: KindString, Nullable: true,
			Comment: "Filter-only: the list parameter " + f.ParamName() + " of GET " + s.Path + ", not a field of the object (" +
				strings.TrimSuffix(p.Description, ".") + "). NULL unless the query pins it with = or IN (…), or by joining on it; then the value pinned."}
		if p.Type == "boolean" {
			c.Kind = KindBool
		}
		out = append(out, c)
	}
	return out
}

// FilterOnly reports whether col is a filter-only column.
func (s *Spec) FilterOnly(col string) bool {
	f, ok := s.FilterOf(col)
	return ok && f.Only
}

// Narrows reports whether list parameter name (an array parameter as
// name[]) only narrows the list to the objects whose field holds the
// value sent: the unfiltered list's rows, checked on that field, are
// then the filtered list's. Not so for a filter-only column's parameter
// (the rows do not show what it selects), nor for one without which the
// list leaves out the objects it selects (test_clock).
func (s *Spec) Narrows(name string) bool {
	name = strings.TrimSuffix(name, "[]")
	for _, f := range s.Filters {
		if f.ParamName() == name || f.InParam == name {
			p, _ := s.Param(name)
			return !f.Only && !p.Reveals
		}
	}
	return false
}

// objectColumns are the columns of the API object (or the spec's own).
func (s *Spec) objectColumns() ([]Column, error) {
	if s.Columns != nil {
		return s.Columns, nil
	}
	cols, ok := objectColumns[s.Object]
	if !ok {
		return nil, fmt.Errorf("tables: %s: no generated columns for object %q (run go generate ./tables)", s.Name, s.Object)
	}
	if p := s.Parent; p != nil && !HasColumn(cols, p.Column) {
		of, how := Singular(p.Table), "nests it under "+s.Path
		if of == "" {
			of = p.Column
		}
		if p.InQuery {
			how = "lists per " + p.Param
		}
		cols = append(cols[:len(cols):len(cols)], Column{Name: p.Column, Kind: KindString,
			Comment: "ID of the " + of + " this object belongs to (added by stripesql: the API " + how + ")"})
	}
	return cols, nil
}

// KeyColumn is the primary key column, "" for none.
func (s *Spec) KeyColumn() string {
	switch s.Key {
	case "":
		return "id"
	case "-":
		return ""
	}
	return s.Key
}

// Singular is a table name's object in words ("invoices" → "invoice").
func Singular(table string) string { return strings.TrimSuffix(table, "s") }

// removed are tables of resources the API no longer has, with what to use.
var removed = map[string]string{
	"recipients": "Stripe removed the Recipients API; transfers are in the `transfers` table and Connect accounts replace recipients",
}

// Removed explains why a table that users may expect does not exist.
func Removed(name string) (string, bool) {
	why, ok := removed[strings.ToLower(name)]
	return why, ok
}

// FilterOf returns the filter of column col.
func (s *Spec) FilterOf(col string) (Filter, bool) {
	for _, f := range s.Filters {
		if strings.EqualFold(f.Column, col) {
			return f, true
		}
	}
	return Filter{}, false
}

// FilterParam returns the list parameter filtering column col by equality.
func (s *Spec) FilterParam(col string) (string, bool) {
	for _, f := range s.Filters {
		if strings.EqualFold(f.Column, col) {
			return f.ParamName(), true
		}
	}
	return "", false
}

// Param returns the real API's description of a list parameter of the
// spec's endpoint, from the OpenAPI spec.
func (s *Spec) Param(name string) (ListParam, bool) {
	for _, p := range listParams[s.Path] {
		if p.Name == name {
			return p, true
		}
	}
	return ListParam{}, false
}

// check verifies a spec against the OpenAPI spec: every filter it pushes
// down is a parameter of the real endpoint, every default too, and
// created is a range parameter there.
func (s *Spec) check() error {
	cols, err := s.AllColumns()
	if err != nil {
		return err
	}
	if err := s.checkSearch(cols); err != nil {
		return err
	}
	if s.Single || s.Derive != nil {
		return nil
	}
	if _, ok := listParams[s.Path]; !ok {
		return fmt.Errorf("%s: %s is not a list endpoint of the API", s.Name, s.Path)
	}
	if p, ok := s.Param("created"); s.Created && (!ok || !p.Range) {
		return fmt.Errorf("%s: %s takes no created range", s.Name, s.Path)
	} else if ok && p.Range && p.Field == "created" && !s.Created && s.Parent == nil {
		return fmt.Errorf("%s: %s filters created: declare Created", s.Name, s.Path)
	}
	if p := s.Parent; p != nil {
		parent, ok := Lookup(p.Table)
		for _, w := range p.With {
			if _, takes := s.Param(w); !takes || !ok || !HasColumn(objectColumns[parent.Object], w) {
				return fmt.Errorf("%s: %s's %q is no parameter of %s or no field of its parent", s.Name, s.Path, w, s.Path)
			}
		}
	}
	for _, c := range s.Requires {
		if _, ok := s.FilterOf(c); !ok && (s.Parent == nil || s.Parent.Column != c) {
			return fmt.Errorf("%s: required column %q is neither a filter nor the parent", s.Name, c)
		}
	}
	for k := range s.Unpinned {
		if !slices.ContainsFunc(s.Requires, func(c string) bool { p, _ := s.FilterParam(c); return p == k && s.FilterOnly(c) }) {
			return fmt.Errorf("%s: Unpinned parameter %q is no filter-only column's of Requires", s.Name, k)
		}
	}
	for _, f := range s.Filters {
		if !s.takes(f.ParamName()) {
			return fmt.Errorf("%s: %s takes no parameter %q", s.Name, s.Path, f.ParamName())
		}
		if f.InParam != "" {
			if _, ok := s.Param(f.InParam); !ok {
				return fmt.Errorf("%s: %s takes no parameter %q", s.Name, s.Path, f.InParam)
			}
		}
		if has := HasColumn(objectColumns[s.Object], f.Column); has == f.Only {
			if f.Only {
				return fmt.Errorf("%s: filter-only column %q is a property of %s", s.Name, f.Column, s.Object)
			}
			return fmt.Errorf("%s: filter column %q is not a property of %s", s.Name, f.Column, s.Object)
		}
	}
	for _, r := range s.Ranges {
		if p, ok := s.Param(r.ParamName()); !ok || !p.Range {
			return fmt.Errorf("%s: %s takes no %s range", s.Name, s.Path, r.ParamName())
		}
		if i := slices.IndexFunc(objectColumns[s.Object], func(c Column) bool { return c.Name == r.Column }); i < 0 || objectColumns[s.Object][i].Kind != KindTime {
			return fmt.Errorf("%s: range column %q is not a unix-time property of %s", s.Name, r.Column, s.Object)
		}
	}
	for k := range s.Defaults {
		if _, ok := s.Param(k); !ok {
			return fmt.Errorf("%s: %s takes no parameter %q", s.Name, s.Path, k)
		}
	}
	for _, k := range s.NotPushed {
		if _, ok := s.Param(k); !ok {
			return fmt.Errorf("%s: %s takes no parameter %q", s.Name, s.Path, k)
		}
	}
	return nil
}

// takes reports whether the endpoint takes list parameter name: one of
// its parameters, or a property of one taking a hash (scope[type]).
func (s *Spec) takes(name string) bool {
	if _, ok := s.Param(name); ok {
		return true
	}
	hash, prop, ok := strings.Cut(strings.TrimSuffix(name, "]"), "[")
	p, found := s.Param(hash)
	return ok && found && p.Type == "object" && prop != "" && !strings.ContainsAny(prop, "[]")
}

// HasColumn reports whether cols has a column named name.
func HasColumn(cols []Column, name string) bool {
	for _, c := range cols {
		if c.Name == name {
			return true
		}
	}
	return false
}

// Retrievable reports whether `id = …` can be a retrieve (GET Path/{id}):
// also of a list whose parent is a query parameter (treasury
// transactions per financial account), whose path is the retrieve's.
func (s *Spec) Retrievable() bool {
	return !s.NoRetrieve && !s.Single && (s.Parent == nil || s.Parent.InQuery) && s.Derive == nil && s.KeyColumn() == "id"
}

// Lists reports whether the table's rows are objects of the schema
// object: its Object, or one of a polymorphic list's (bank_account|card).
func (s *Spec) Lists(object string) bool {
	if !strings.Contains(s.Object, unionSep) { // the common case, without allocating
		return s.Object == object
	}
	return slices.Contains(strings.Split(s.Object, unionSep), object)
}

// listers maps each object type to the specs listing it (Listing).
var listers = sync.OnceValue(func() map[string][]*Spec {
	out := map[string][]*Spec{}
	for _, s := range Specs() {
		for _, o := range strings.Split(s.Object, unionSep) {
			out[o] = append(out[o], s)
		}
	}
	return out
})

// Listing are the specs whose tables list objects of type object, by
// name: what an event of such an object changes.
func Listing(object string) []*Spec { return listers()[object] }

// Listable reports whether a read pinning no column lists the table:
// it requires none, or sends Unpinned in their stead.
func (s *Spec) Listable() bool { return len(s.Requires) == 0 || len(s.Unpinned) > 0 }

// Required reports whether every query must pin col (see Requires).
func (s *Spec) Required(col string) bool {
	return slices.ContainsFunc(s.Requires, func(c string) bool { return strings.EqualFold(c, col) })
}

// IsRange reports whether col is filtered by unix-time ranges.
func (s *Spec) IsRange(col string) bool {
	_, ok := s.RangeParam(col)
	return ok
}

// RangeParam returns the list parameter filtering col by range.
func (s *Spec) RangeParam(col string) (string, bool) {
	if col == "created" {
		return col, s.Created
	}
	for _, r := range s.Ranges {
		if r.Column == col {
			return r.ParamName(), true
		}
	}
	return "", false
}

// Accepts reports whether a list parameter takes a value: an enum
// parameter takes only its values (Stripe answers others with a 400,
// where SQL expects no row).
func (s *Spec) Accepts(param, value string) bool {
	p, ok := s.Param(param)
	if !ok || len(p.Enum) == 0 {
		return true
	}
	for _, e := range p.Enum {
		if e == value {
			return true
		}
	}
	return false
}

// Writes returns the table's write endpoints, if stripesql writes it: a
// top-level resource the generator's -writes names.
func (s *Spec) Writes() (WriteEndpoints, bool) {
	if s.Parent != nil || s.Derive != nil || s.Single || s.Columns != nil || s.KeyColumn() != "id" {
		return WriteEndpoints{}, false
	}
	w, ok := writeEndpoints[s.Path]
	return w, ok
}

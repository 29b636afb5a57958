package fakestripe

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Rendering a generic row: a copy of the fixture with its id, times,
// parent and references rewritten. A property refers to a table when its
// fixture value is an id of that table's prefix ("ich_…"), an embedded
// object of that table's object, or null under the name of an object
// (customer, charge, a treasury object's financial_account). Such a
// property gets a row of that table, chosen so that the row agrees with
// what is already set (an issuing transaction's card is its
// authorization's card), and what the chosen row refers to is copied over
// (its cardholder too).

// notRefs are properties whose values look like references but are not,
// or are embedded objects the fake does not make (discounts).
// Objects on a test clock are left out of lists that do not ask for the
// clock (the spec's "reveals"): the fake puts none on one.
var notRefs = map[string]bool{"id": true, "object": true, "filename": true, "discount": true, "test_clock": true}

// nameAliases are properties named otherwise than the object they hold.
var nameAliases = map[string]string{
	"default_price":              "price",
	"destination_payment_method": "payment_method",
	"fee":                        "application_fee",
	"last_verification_report":   "identity.verification_report",
	"latest_attempt":             "setup_attempt",
	"origin_payment_method":      "payment_method",
}

// freshIDs are null properties that get an id of their own per row, which
// the fake holds no object for but other objects repeat (an account
// owner's ownership is its account's).
var freshIDs = map[string]string{"financial_connections.account ownership": "fcaowns"}

// statusTimes are objects' statuses, each with the time property it sets
// ("" for none; a dotted path inside the object).
var statusTimes = map[string]map[string]string{
	"subscription_schedule": {"active": "", "canceled": "canceled_at", "completed": "completed_at",
		"not_started": "", "released": "released_at"},
	"treasury.transaction": {"open": "", "posted": "status_transitions.posted_at", "void": "status_transitions.void_at"},
}

// otherEnum are the parameters whose enum is not their property's (the
// spec lists a debit reversal's status as failed, processing or succeeded
// but its list's as canceled, completed or processing): rows keep the
// fixture's value.
var otherEnum = map[string]bool{"/v1/treasury/debit_reversals status": true}

// nullRefShare is how many rows set a reference the fixture has null:
// Stripe leaves many of them unset.
const nullRefShare = 0.6

// renderAll renders every row of t, once the tables all exist.
func (g *genericData) renderAll(d *dataset, t *table) {
	for i := 0; i < t.len(); i++ {
		g.build(d, t, int32(i))
	}
}

// objectOf is row i of t as served, generic or hand-written; nil while a
// generic row is being rendered (a reference cycle).
func (g *genericData) objectOf(d *dataset, t *table, i int32) map[string]any {
	if g.rows[t] == nil {
		return d.render(t, i)
	}
	if obj := g.build(d, t, i); g.rows[t].state[i] == rendered {
		return deepCopy(obj).(map[string]any)
	}
	return nil
}

// build renders row i of a generic table, rendering first the rows it
// needs to agree with. Asked for again while it renders (a reference
// cycle), it returns what is set so far: id, parent and scope, which is
// what others need to agree with it.
func (g *genericData) build(d *dataset, t *table, i int32) map[string]any {
	gr := g.rows[t]
	if gr.state[i] != notRendered {
		return gr.objs[i]
	}
	gr.state[i] = rendering
	object := gr.objects[i]
	fixture := d.fixtures[object]
	obj := deepCopy(fixture).(map[string]any)
	gr.objs[i] = obj
	rowRNG := func(field string) *rng { return g.rowRNG(d, t, i, field) }
	fixed := map[string]bool{}
	set := func(k string, v any) {
		if _, ok := obj[k]; ok {
			obj[k], fixed[k] = v, true
		}
	}
	set("id", t.ids[i])
	set("object", object)
	if t.created != nil {
		set("created", t.created[i])
	}
	set("livemode", false)
	for _, k := range sortedKeys(obj) {
		if prefix := freshIDs[object+" "+k]; prefix != "" {
			set(k, prefix+"_"+randomChars(rowRNG(k), 24))
		}
	}
	if target := g.targetOf(d, object, gr.scope, fixture[gr.scope]); gr.scope != "" && target != nil && target.len() > 0 {
		// Round robin: every value of the required parameter lists rows.
		g.setRef(d, obj, gr.scope, fixture[gr.scope], target, i%int32(target.len()))
		fixed[gr.scope] = true
	}
	if t.def.parent != "" {
		g.setParent(d, t, i, obj, fixed)
	}
	g.vary(d, t, i, obj, fixed, rowRNG)
	if st := statusTimes[object]; st != nil {
		setStatusTimes(obj, st, !fixed["status"], gr.times[i], d.end, rowRNG)
	}
	g.setRefs(d, t, i, obj, fixed, rowRNG)
	for _, k := range sortedKeys(obj) {
		if fixed[k] {
			continue
		}
		switch v := obj[k].(type) {
		case string:
			// An id of an object the fake does not hold: a fresh one per
			// row, as Stripe's would be.
			if prefix, length, ok := idShape(v); ok && g.tableOfID(d, v) == nil {
				obj[k] = prefix + "_" + randomChars(rowRNG(k), length)
			}
		case map[string]any:
			if _, embedded := v["object"]; !embedded {
				g.setNestedRefs(d, obj, v, rowRNG(k), 2)
			}
		}
	}
	if object == "item" {
		g.priceItem(d, obj)
	}
	gr.objs[i], gr.state[i] = obj, rendered
	return obj
}

// priceItem gives a line item (of a checkout session, payment link or
// quote) its price's amounts, currency and product's name.
func (g *genericData) priceItem(d *dataset, obj map[string]any) {
	price, ok := obj["price"].(map[string]any)
	if !ok {
		return
	}
	unit, _ := intValue(price["unit_amount"])
	quantity, _ := intValue(obj["quantity"])
	obj["currency"] = price["currency"]
	obj["amount_subtotal"], obj["amount_total"] = unit*max(quantity, 1), unit*max(quantity, 1)
	obj["amount_discount"], obj["amount_tax"] = 0, 0
	id, _ := scalarString(price["product"])
	if product := g.tableOfID(d, id); product != nil {
		if row, ok := product.lookup(id); ok {
			obj["description"] = d.render(product, row)["name"]
		}
	}
}

// rowRNG is the stream of one field of row i of a generic table.
func (g *genericData) rowRNG(d *dataset, t *table, i int32, field string) *rng {
	return &rng{state: mix64(uint64(d.seed)^hashString(t.def.name+"."+field)) ^ mix64(uint64(i))}
}

// setStatusTimes sets the times a status sets (st), which the list's
// parameters filter: when the status says so, null otherwise. With draw,
// no parameter varied the status: it is drawn here.
func setStatusTimes(obj map[string]any, st map[string]string, draw bool, created, end int64, rowRNG func(string) *rng) {
	if draw {
		obj["status"] = pick(rowRNG("status"), sortedKeys(st))
	}
	for _, name := range sortedKeys(st) {
		if st[name] == "" {
			continue
		}
		path := strings.Split(st[name], ".")
		parent, _ := lookupPath(obj, path[:len(path)-1]).(map[string]any)
		if parent == nil {
			continue
		}
		parent[path[len(path)-1]] = nil
		if name == obj["status"] {
			parent[path[len(path)-1]] = min(end, created+rowRNG(st[name]).between(day, 90*day))
		}
	}
}

// setParent points the properties that name the parent at it, and copies
// the parent's ids of objects the fake does not hold (an owner's
// ownership).
func (g *genericData) setParent(d *dataset, t *table, i int32, obj map[string]any, fixed map[string]bool) {
	parent := d.anyTable(t.def.parent)
	prow := t.parents[i]
	var pobj map[string]any
	if g.rows[parent] != nil && g.build(d, parent, prow) != nil && g.rows[parent].state[prow] == rendered {
		pobj = g.rows[parent].objs[prow]
	}
	fixture := d.fixtures[g.rows[t].objects[i]]
	if pobj == nil && g.rows[parent] == nil {
		pobj = d.render(parent, prow)
	}
	// A reversal or refund is in its transfer's or fee's currency, and
	// of part of its amount.
	if c, ok := pobj["currency"].(string); ok && obj["currency"] != nil {
		obj["currency"], fixed["currency"] = c, true
	}
	if total, ok := intValue(pobj["amount"]); ok && total > 0 {
		if _, has := intValue(obj["amount"]); has {
			obj["amount"], fixed["amount"] = max(1, total/int64(1+g.rowRNG(d, t, i, "amount").intn(4))), true
		}
	}
	for _, k := range sortedKeys(obj) {
		if fixed[k] {
			continue
		}
		if g.targetOf(d, g.rows[t].objects[i], k, fixture[k]) == parent {
			g.setRef(d, obj, k, fixture[k], parent, prow)
			fixed[k] = true
			continue
		}
		if s, ok := pobj[k].(string); ok && g.tableOfID(d, s) == nil {
			if _, _, isID := idShape(s); isID {
				obj[k], fixed[k] = s, true
			}
		}
	}
}

// vary gives the properties the list's parameters filter values that
// differ between rows, so that filtering them selects: enums, booleans,
// times and amounts, and a few strings (emails, last4…). Parameters the
// object does not show get their hidden value.
func (g *genericData) vary(d *dataset, t *table, i int32, obj map[string]any, fixed map[string]bool, rowRNG func(string) *rng) {
	gr := g.rows[t]
	object := gr.objects[i]
	fixture := d.fixtures[object]
	for _, p := range gr.ep.Params {
		if p.In != "query" || specialFilters[gr.ep.Path+" "+p.Name] != nil {
			continue
		}
		path := filterPath(p, d.fixtures[t.def.object])
		if path == nil {
			gr.hidden[p.Name][i] = hiddenValue(rowRNG("hidden "+p.Name), d.seed, p, t.def.name)
			continue
		}
		k := path[0]
		if len(path) != 1 || fixed[k] || g.targetOf(d, object, k, fixture[k]) != nil {
			continue
		}
		if _, ok := obj[k]; !ok {
			continue // a polymorphic row without it
		}
		r := rowRNG("vary " + k)
		cur := obj[k]
		fixed[k] = true
		switch {
		case p.Range:
			if n, ok := intValue(cur); ok && n > 1e9 {
				obj[k] = min(d.end, gr.times[i]+r.between(0, 3*day)) // a time
			} else if ok {
				obj[k] = r.between(5, 500) * 100 // an amount
			}
		case p.Type == "object":
			// A hash of flags (a person's relationship): some set.
			if sub, ok := cur.(map[string]any); ok {
				for _, f := range sortedKeys(sub) {
					if _, isBool := sub[f].(bool); isBool {
						sub[f] = r.chance(0.4)
					}
				}
			}
		case p.Type == "boolean":
			obj[k] = r.chance(0.75)
			if k == "is_default" || k == "is_account_default" {
				obj[k] = i == 0 // one default: the first made
			}
		case len(p.Enum) > 0:
			// A type selects which sub-object is set, which the fixture
			// fills for its own type only: types stay.
			values := slices.DeleteFunc(slices.Clone(p.Enum), func(v string) bool { return v == enumAll })
			if _, isHash := cur.(map[string]any); !isHash && k != "type" && !otherEnum[gr.ep.Path+" "+p.Name] {
				obj[k] = pick(r, values)
			}
		case p.Type == "integer" && k == "exp_month":
			obj[k] = 1 + r.intn(12)
		case p.Type == "integer" && k == "exp_year":
			obj[k] = 2025 + r.intn(5)
		case p.Type == "string" && k == "application":
			// Made by the platform's Connect application, or not.
			if r.chance(0.5) {
				obj[k] = d.applicationID()
			}
		case p.Type == "string":
			if s, ok := cur.(string); ok {
				obj[k] = variedString(k, s, i, r)
			}
		}
	}
}

// variedString makes a row's own value of a string a list filters.
func variedString(k, s string, i int32, r *rng) string {
	switch k {
	case "email":
		if local, domain, ok := strings.Cut(s, "@"); ok {
			return fmt.Sprintf("%s+%d@%s", local, i, domain)
		}
	case "phone_number":
		return fmt.Sprintf("+1555010%04d", i)
	case "last4":
		return fmt.Sprintf("%04d", r.intn(10000))
	case "domain_name":
		return fmt.Sprintf("shop%d.example.com", i)
	case "serial_number", "alias":
		return fmt.Sprintf("%s_%d", s, i)
	case "value":
		if cut := strings.LastIndexByte(s, '.'); cut > 0 && strings.Count(s, ".") == 3 {
			return fmt.Sprintf("%s.%d", s[:cut], 1+r.intn(3)) // an IP address: some repeat
		}
	}
	return s
}

// ref is a property referring to a table.
type ref struct {
	key    string
	target *table
}

// setRefs points every reference at a row of its table: the generic
// tables' first (their rows carry references to hand-written ones, which
// are then copied rather than drawn), then the hand-written ones', those
// that refer to most first (an invoice, whose customer follows).
func (g *genericData) setRefs(d *dataset, t *table, i int32, obj map[string]any, fixed map[string]bool, rowRNG func(string) *rng) {
	gr := g.rows[t]
	object := gr.objects[i]
	fixture := d.fixtures[object]
	var refs []ref
	for _, k := range sortedKeys(obj) {
		if target := g.targetOf(d, object, k, fixture[k]); target != nil && target != t && !fixed[k] {
			refs = append(refs, ref{k, target})
		}
	}
	sort.SliceStable(refs, func(a, b int) bool { return g.refRank(refs[a].target) < g.refRank(refs[b].target) })
	for _, rf := range refs {
		k := rf.key
		if fixed[k] || rf.target.len() == 0 {
			continue
		}
		r := rowRNG("ref " + k)
		if fixture[k] == nil && !r.chance(nullRefShare) {
			continue
		}
		row := g.pickRow(d, object, obj, fixed, rf.target, r)
		g.setRef(d, obj, k, fixture[k], rf.target, row)
		fixed[k] = true
		g.align(d, obj, object, fixed, g.objectOf(d, rf.target, row))
	}
}

// handWrittenRank orders references to hand-written tables: those whose
// objects refer to more come first.
var handWrittenRank = []string{"invoice", "subscription", "charge", "payment_intent", "refund", "dispute",
	"invoiceitem", "transfer", "application_fee", "payout", "balance_transaction", "price", "product", "customer", "account"}

func (g *genericData) refRank(t *table) int {
	if g.rows[t] != nil {
		return -1
	}
	for k, o := range handWrittenRank {
		if t.def.object == o {
			return k
		}
	}
	return len(handWrittenRank)
}

// pickRow chooses a row of target for obj: of a generic table, one that
// refers back to obj or agrees with its references already set, if any;
// of a hand-written one, any.
func (g *genericData) pickRow(d *dataset, object string, obj map[string]any, fixed map[string]bool, target *table, r *rng) int32 {
	var refs []string // the references set so far
	for _, k := range sortedKeys(fixed) {
		if g.targetOf(d, object, k, d.fixtures[object][k]) != nil {
			refs = append(refs, k)
		}
	}
	n := target.len()
	if g.rows[target] == nil {
		if rows := g.childrenOfSet(d, obj, refs, target); len(rows) > 0 {
			return pick(r, rows) // a card of the customer already set
		}
		if currency, ok := obj["currency"].(string); ok && fixed["currency"] {
			// In the currency already set (a checkout session's line
			// item's price), if a few draws find one.
			for try := 0; try < 16; try++ {
				if row := int32(r.intn(n)); d.render(target, row)["currency"] == currency {
					return row
				}
			}
		}
		return int32(r.intn(n))
	}
	best, bestScore := []int32(nil), -1
	for row := 0; row < n; row++ {
		score := agreement(obj, refs, g.build(d, target, int32(row)))
		switch {
		case score > bestScore:
			best, bestScore = []int32{int32(row)}, score
		case score == bestScore:
			best = append(best, int32(row))
		}
	}
	return pick(r, best)
}

// childrenOfSet returns, when target is a child table of an object obj
// already refers to, that object's rows of target.
func (g *genericData) childrenOfSet(d *dataset, obj map[string]any, refs []string, target *table) []int32 {
	if target.def.parent == "" {
		return nil
	}
	parent := d.anyTable(target.def.parent)
	for _, k := range refs {
		id, ok := scalarString(obj[k])
		if !ok || g.tableOfID(d, id) != parent {
			continue
		}
		if prow, ok := parent.lookup(id); ok {
			return target.byParent.of(prow)
		}
	}
	return nil
}

// agreement scores a candidate row: 2 if every reference of refs both
// set agrees (a treasury transaction of the same financial account), plus
// 1 if it refers to obj (the attempt of a setup intent).
func agreement(obj map[string]any, refs []string, cand map[string]any) int {
	score := 2
	for _, k := range refs {
		mine, ok1 := scalarString(obj[k])
		theirs, ok2 := scalarString(cand[k])
		if ok1 && ok2 && mine != theirs {
			score = 0
			break
		}
	}
	id, _ := obj["id"].(string)
	for k, v := range cand {
		if s, ok := scalarString(v); ok && s == id && k != "id" {
			return score + 1
		}
	}
	return score
}

// align copies from the row a reference chose the references obj has
// too and has not set yet.
func (g *genericData) align(d *dataset, obj map[string]any, object string, fixed map[string]bool, from map[string]any) {
	if from == nil {
		return
	}
	fixture := d.fixtures[object]
	for _, k := range sortedKeys(obj) {
		v, shared := from[k]
		if fixed[k] || !shared || g.targetOf(d, object, k, fixture[k]) == nil {
			continue
		}
		id, isRef := scalarString(v)
		switch {
		case v == nil:
			obj[k] = nil
		case !isRef:
			continue
		default:
			t := g.tableOfID(d, id)
			if t == nil {
				continue
			}
			row, ok := t.lookup(id)
			if !ok {
				continue
			}
			g.setRef(d, obj, k, fixture[k], t, row)
		}
		fixed[k] = true
	}
}

// setRef sets property k to row of target: its id, or the object itself
// where the fixture embeds it.
func (g *genericData) setRef(d *dataset, obj map[string]any, k string, fixtureValue any, target *table, row int32) {
	if _, embedded := fixtureValue.(map[string]any); embedded {
		if o := g.objectOf(d, target, row); o != nil {
			obj[k] = o
			return
		}
		m := deepCopy(fixtureValue).(map[string]any)
		m["id"] = target.ids[row]
		obj[k] = m
		return
	}
	obj[k] = target.ids[row]
}

// setNestedRefs rewrites the ids inside a property's hash (a Financial
// Connections account's account_holder.customer) to rows of their tables.
func (g *genericData) setNestedRefs(d *dataset, top, m map[string]any, r *rng, depth int) {
	for _, k := range sortedKeys(m) {
		switch v := m[k].(type) {
		case string:
			if k == "id" {
				continue
			}
			if t := g.tableOfID(d, v); t != nil && t.len() > 0 {
				if same, ok := top[k].(string); ok && g.tableOfID(d, same) == t {
					m[k] = same // the object's own reference of that name
				} else {
					m[k] = t.ids[r.intn(t.len())]
				}
			}
		case map[string]any:
			if _, embedded := v["object"]; !embedded && depth > 1 {
				g.setNestedRefs(d, top, v, r, depth-1)
			}
		}
	}
}

// targetOf is the table property k of an object refers to, by its fixture
// value v; nil when it refers to none.
func (g *genericData) targetOf(d *dataset, object, k string, v any) *table {
	if notRefs[k] {
		return nil
	}
	switch v := v.(type) {
	case map[string]any:
		if o, _ := v["object"].(string); o != "" && o != "list" {
			return g.tableOfObject(d, o)
		}
	case string:
		if _, _, ok := idShape(v); ok {
			return g.tableOfID(d, v)
		}
		// A short id ("ch_1234") or a name (a climate product's
		// "climsku_frontier_offtake_portfolio_2027").
		if prefix, _, ok := strings.Cut(v, "_"); ok && !strings.ContainsAny(v, " /") {
			if t := g.tableOfName(d, object, k); t != nil && (t.def.prefix == "" || t.def.prefix == prefix) {
				return t
			}
		}
	case nil:
		return g.tableOfName(d, object, k)
	}
	return nil
}

// tableOfName is the table a property holds by its name: the object's
// namespace's first (an issuing authorization's card is an issuing card).
func (g *genericData) tableOfName(d *dataset, object, k string) *table {
	var names []string
	if dot := strings.LastIndexByte(object, '.'); dot > 0 {
		names = append(names, object[:dot]+"."+k)
	}
	names = append(names, k)
	if alias := nameAliases[k]; alias != "" {
		names = append(names, alias)
	}
	for _, name := range names {
		if t := g.tableOfObject(d, name); t != nil {
			return t
		}
	}
	return nil
}

func (g *genericData) tableOfObject(d *dataset, object string) *table {
	if t := d.byObject[object]; t != nil {
		return t
	}
	return g.byObject[object]
}

func (g *genericData) tableOfID(d *dataset, id string) *table {
	if _, _, ok := idShape(id); !ok {
		return nil
	}
	return d.tableForID(id)
}

// idShape recognises a Stripe id: a lower-case prefix, "_", then at least
// 8 letters and digits with a digit or a capital among them (which
// "dispute_evidence" has not).
func idShape(s string) (prefix string, length int, ok bool) {
	cut := strings.LastIndexByte(s, '_')
	if cut <= 0 || len(s)-cut-1 < 8 {
		return "", 0, false
	}
	for _, c := range s[:cut] {
		if (c < 'a' || c > 'z') && c != '_' {
			return "", 0, false
		}
	}
	mixed := false
	for _, c := range s[cut+1:] {
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z':
			mixed = true
		case c >= 'a' && c <= 'z':
		default:
			return "", 0, false
		}
	}
	return s[:cut], len(s) - cut - 1, mixed
}

// tableOfObject finds the table of an object name, hand-written first.
func (d *dataset) tableOfObject(object string) *table { return d.generic.tableOfObject(d, object) }

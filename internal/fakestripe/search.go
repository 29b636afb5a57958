package fakestripe

import (
	"encoding/base64"
	"hash/fnv"
	"strconv"
	"strings"
)

// The Search API: GET /v1/{resource}/search for the seven resources Stripe
// searches. It answers from an index that trails writes by
// Options.SearchLag (search_index.go), pages with an opaque next_page, and
// has its own rate limit (Options.SearchRateLimit).

// searchFields are the query fields of each searchable resource with their
// types, as Stripe's "Supported query fields for each resource"
// (https://stripe.com/docs/search#supported-query-fields-for-each-resource)
// lists them. Charges' payment_method_details.{{SOURCE}} fields exist for
// the three sources it names; the fake's charges are all card.
var searchFields = map[string]map[string]searchFieldType{
	"charges": withSources(map[string]searchFieldType{
		"amount": fieldNumeric, "billing_details.address.postal_code": fieldToken, "created": fieldNumeric,
		"currency": fieldToken, "customer": fieldToken, "disputed": fieldToken, "metadata": fieldToken,
		"refunded": fieldToken, "status": fieldToken,
	}, []string{"card", "card_present", "interac_present"}, []string{"last4", "exp_month", "exp_year", "brand", "fingerprint"}),
	"customers": {
		"created": fieldNumeric, "email": fieldString, "metadata": fieldToken, "name": fieldString, "phone": fieldString,
	},
	"invoices": {
		"created": fieldNumeric, "currency": fieldToken, "customer": fieldToken, "metadata": fieldToken,
		"number": fieldString, "receipt_number": fieldString, "status": fieldString, "subscription": fieldString,
		"total": fieldNumeric,
	},
	"payment_intents": {
		"amount": fieldNumeric, "created": fieldNumeric, "currency": fieldToken, "customer": fieldToken,
		"metadata": fieldToken, "status": fieldToken,
	},
	"prices": {
		"active": fieldToken, "currency": fieldToken, "lookup_key": fieldString, "metadata": fieldToken,
		"product": fieldString, "type": fieldToken,
	},
	"products": {
		"active": fieldToken, "description": fieldString, "metadata": fieldToken, "name": fieldString,
		"shippable": fieldToken, "url": fieldString,
	},
	"subscriptions": {
		"created": fieldNumeric, "metadata": fieldToken, "status": fieldToken,
	},
}

// withSources adds payment_method_details.<source>.<name> token fields.
func withSources(fields map[string]searchFieldType, sources, names []string) map[string]searchFieldType {
	for _, src := range sources {
		for _, name := range names {
			fields["payment_method_details."+src+"."+name] = fieldToken
		}
	}
	return fields
}

// searchTokens are the only values some token fields take, by resource
// and field (Stripe: "The disputed field accepts only the tokens true and
// false"; refunded is documented with these two and null).
var searchTokens = map[string]map[string][]string{
	"charges": {"disputed": {"true", "false"}, "refunded": {"true", "false"}},
}

// searchDerived are query fields whose value is not the object field of
// the same name. Stripe documents charges' refunded so: "refunded:true
// filters for fully-refunded charges, refunded:false filters for
// partially-refunded charges, and refunded:null filters for non-refunded
// charges".
var searchDerived = map[string]map[string]func(obj map[string]any) any{
	"charges": {"refunded": func(obj map[string]any) any {
		refunded, _ := numberOf(obj["amount_refunded"])
		switch {
		case refunded == 0:
			return nil
		case obj["refunded"] == true:
			return "true"
		}
		return "false"
	}},
}

// searchable reports whether a table is served by a search endpoint.
func searchable(t *table) bool { return searchFields[t.def.name] != nil }

// isSearchPath reports whether a request path is a search endpoint (for
// the rate limiter, which runs before routing).
func isSearchPath(path string) bool {
	rest, ok := strings.CutPrefix(path, "/v1/")
	if !ok {
		return false
	}
	resource, ok := strings.CutSuffix(rest, "/search")
	return ok && searchFields[resource] != nil
}

// search answers GET /v1/{resource}/search.
func (d *dataset) search(t *table, url string, params map[string]*param, lag int64) (map[string]any, *apiError) {
	limit := defaultLimit
	var query, page string
	var expand []string
	totalCount := false
	for _, name := range sortedKeys(params) {
		p := *params[name]
		var err *apiError
		switch name {
		case "query":
			query, err = p.scalar("string")
		case "limit":
			limit, err = parseLimit(p)
		case "page":
			page, err = p.scalar("string")
		case "expand":
			// total_count is the search result's own field (its
			// description in the spec: "only accurate up to 10,000"),
			// computed only when asked for; the rest expand data.
			rest := p
			rest.items = nil
			for _, item := range p.items {
				if item == "total_count" {
					totalCount = true
				} else {
					rest.items = append(rest.items, item)
				}
			}
			expand, err = expandParam(rest, true)
		default:
			err = unknownParam(name)
		}
		if err != nil {
			return nil, err
		}
	}
	if _, given := params["query"]; !given {
		return nil, missingParam("query")
	}
	q, err := parseSearchQuery(query, t.def.name)
	if err != nil {
		return nil, err
	}
	token := pageToken(query)
	cursor := int32(t.len()) // rows below the cursor are still to come
	if page != "" {
		row, ok := d.pageCursor(t, page, token)
		if !ok {
			return nil, badParam("page", "Invalid page token: %s. Use the next_page of the previous page of the same query.", page)
		}
		cursor = row
	}
	// Stripe does not document the order of search results; the fake
	// serves them newest first (by created, ties by creation sequence) as
	// its lists do, so that next_page is a position in a fixed order:
	// objects created while paging sort before the cursor and neither
	// repeat nor hide older ones.
	index := d.searchIndex(t, lag)
	var rows []int32
	hasMore, total := false, 0
	for row := int32(t.len()) - 1; row >= 0; row-- {
		doc := index.doc(row)
		if doc == nil || !q.matches(doc) {
			continue
		}
		total++
		if row >= cursor {
			continue
		}
		if len(rows) == limit {
			hasMore = true
			if !totalCount {
				break
			}
			continue
		}
		rows = append(rows, row)
	}
	data := make([]any, len(rows))
	for k, row := range rows {
		obj := d.render(t, row) // the object as it is now, not as indexed
		for _, path := range expand {
			if err := d.expand(obj, path); err != nil {
				return nil, err
			}
		}
		data[k] = obj
	}
	out := map[string]any{"object": "search_result", "data": data, "has_more": hasMore, "next_page": nil, "url": url}
	if hasMore {
		out["next_page"] = encodePage(t.ids[rows[len(rows)-1]], token)
	}
	if totalCount {
		out["total_count"] = total
	}
	return out, nil
}

// pageToken binds a next_page to its query: a page of another query is
// refused, as Stripe refuses it.
func pageToken(query string) string {
	h := fnv.New64a()
	h.Write([]byte(query))
	return strconv.FormatUint(h.Sum64(), 36)
}

// encodePage makes the opaque next_page: the last id served and the
// query's token.
func encodePage(lastID, token string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1\x00" + lastID + "\x00" + token))
}

// pageCursor decodes a page parameter into the row after which the next
// page starts.
func (d *dataset) pageCursor(t *table, page, token string) (int32, bool) {
	b, err := base64.RawURLEncoding.DecodeString(page)
	if err != nil {
		return 0, false
	}
	parts := strings.Split(string(b), "\x00")
	if len(parts) != 3 || parts[0] != "v1" || parts[2] != token {
		return 0, false
	}
	return t.lookup(parts[1])
}

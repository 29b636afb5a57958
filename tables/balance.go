package tables

import "encoding/json"

// balanceKinds are the arrays of the balance object, each a kind of funds.
var balanceKinds = []string{"available", "pending", "connect_reserved", "instant_available"}

func init() {
	register(&Spec{
		Name:   "balance",
		Path:   "/v1/balance",
		Single: true,
		Key:    "-",
		Columns: []Column{
			{Name: "kind", Kind: KindString, Comment: "Kind of funds: available, pending, connect_reserved or instant_available"},
			{Name: "currency", Kind: KindString, Comment: "Three-letter ISO currency code, in lowercase"},
			{Name: "amount", Kind: KindInt, Comment: "Balance amount in the currency's smallest unit"},
			{Name: "source_types", Kind: KindJSON, Nullable: true, Comment: "Breakdown of the amount by source type (card, bank_account, fpx)"},
			{Name: "livemode", Kind: KindBool, Comment: "Has the value true if the object exists in live mode or false in test mode"},
		},
		Explode: explodeBalance,
		Comment: "The account's balance: one row per kind of funds and currency (GET /v1/balance)",
	})
}

// explodeBalance turns the balance object into one object per kind and
// currency.
func explodeBalance(obj json.RawMessage) ([]json.RawMessage, error) {
	var b map[string]json.RawMessage
	if err := json.Unmarshal(obj, &b); err != nil {
		return nil, err
	}
	var out []json.RawMessage
	for _, kind := range balanceKinds {
		var amounts []map[string]json.RawMessage
		if raw := b[kind]; len(raw) > 0 && string(raw) != "null" {
			if err := json.Unmarshal(raw, &amounts); err != nil {
				return nil, err
			}
		}
		for _, a := range amounts {
			a["kind"], _ = json.Marshal(kind)
			a["livemode"] = b["livemode"]
			row, err := json.Marshal(a)
			if err != nil {
				return nil, err
			}
			out = append(out, row)
		}
	}
	return out, nil
}

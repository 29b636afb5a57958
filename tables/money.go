package tables

import (
	"strings"
)

// Stripe amounts are integers in the currency's smallest unit, so summing
// `amount` across currencies mixes cents with yen. Every amount that sits
// beside a currency gets a `<name>_major` DECIMAL column in the major
// unit: SUM(amount_major) … GROUP BY currency is right in every currency.

// MajorSuffix names the derived columns.
const MajorSuffix = "_major"

// moneyNames are integer fields that hold money without "amount" in
// their name.
var moneyNames = map[string]bool{
	"fee": true, "net": true, "tax": true, "total": true, "subtotal": true, "total_excluding_tax": true,
	"subtotal_excluding_tax": true, "balance": true, "starting_balance": true, "ending_balance": true,
}

func isMoney(c Column) bool {
	return c.Kind == KindInt && (strings.Contains(c.Name, "amount") || moneyNames[c.Name])
}

// MajorScale is the scale of the major-unit columns, DECIMAL(22,3): three
// decimals is the most any currency has (BHD, JOD, KWD, OMR, TND).
const MajorScale = 3

// MajorExponent is the number of decimals of a currency's amounts in the
// API. Zero-decimal currencies are listed; ISK, HUF and TWD are two-decimal
// in the API for backward compatibility (Stripe's special cases), as every
// other currency not listed.
func MajorExponent(currency string) int32 {
	switch strings.ToLower(currency) {
	case "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf":
		return 0
	case "bhd", "jod", "kwd", "omr", "tnd":
		return 3
	}
	return 2
}

// withMajors appends a major-unit column for each money column of an
// object with a currency.
func withMajors(cols []Column) []Column {
	cur := -1
	for i, c := range cols {
		if c.Name == "currency" {
			cur = i
		}
	}
	if cur < 0 {
		return cols
	}
	out := cols[:len(cols):len(cols)]
	for _, c := range cols {
		if isMoney(c) {
			out = append(out, Column{Name: c.Name + MajorSuffix, Kind: KindMajor, Nullable: c.Nullable || cols[cur].Nullable,
				Comment: "`" + c.Name + "` in the major unit of `currency` (added by stripesql): divided by 100, or by 1 for zero-decimal currencies (JPY, KRW, …) and 1000 for three-decimal ones (BHD, JOD, KWD, OMR, TND)."})
		}
	}
	return out
}

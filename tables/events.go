package tables

func init() {
	register(&Spec{
		Name:    "events",
		Object:  "event",
		Path:    "/v1/events",
		Created: true,
		// type also takes wildcards (charge.*); an equality pushed down is
		// checked against the rows, so `type = 'charge.*'` stays exact SQL.
		Filters: []Filter{{Column: "type", InParam: "types"}},
		Comment: "Events of the last 30 days, all Stripe keeps; data holds the object as it was (GET /v1/events)",
	})
}

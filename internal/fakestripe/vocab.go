package fakestripe

import "strings"

// Word lists the cosmetic fields are drawn from.
var (
	firstNames = []string{"Jenny", "Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances",
		"Edsger", "Radia", "Niklaus", "Hedy", "Tim", "Sophie", "Yukihiro", "Anita", "Guido", "Katherine",
		"Bjarne", "Shafi", "Leslie", "Mary", "John", "Joan", "Donald", "Lynn", "Rob", "Annie"}
	lastNames = []string{"Rosen", "Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Allen",
		"Dijkstra", "Perlman", "Wirth", "Lamarr", "Berners-Lee", "Wilson", "Matsumoto", "Borg", "van Rossum", "Johnson",
		"Stroustrup", "Goldwasser", "Lamport", "Kenneth", "McCarthy", "Clarke", "Knuth", "Conway", "Pike", "Easley"}
	cities = []struct{ city, country, postal, state string }{
		{"San Francisco", "US", "94103", "CA"}, {"New York", "US", "10001", "NY"}, {"Austin", "US", "73301", "TX"},
		{"Berlin", "DE", "10115", ""}, {"Paris", "FR", "75001", ""}, {"Dublin", "IE", "D02 X285", ""},
		{"London", "GB", "EC1A 1BB", ""}, {"Tokyo", "JP", "100-0001", ""}, {"Kuwait City", "KW", "13001", ""},
	}
	planNames = []string{"Starter", "Basic", "Pro", "Team", "Business", "Enterprise", "Premium", "Growth", "Scale", "Ultimate"}
	goodNames = []string{"T-shirt", "Hoodie", "Mug", "Sticker pack", "Notebook", "Water bottle", "Cap", "Tote bag", "Poster", "Socks",
		"Onboarding session", "Setup fee", "Consulting hour", "Priority support", "Training workshop"}
	chargeDescriptions = []string{"Order payment", "One-time purchase", "Add-on", "Consulting services", "Setup fee",
		"Gift card", "Donation", "Event ticket", "Shipping upgrade"}
	cardBrands = []weighted[string]{{"visa", 50}, {"mastercard", 30}, {"amex", 12}, {"discover", 5}, {"jcb", 3}}
	segments   = []string{"smb", "mid_market", "enterprise", "startup"}
)

func emailLocal(first, last string) string {
	return strings.ToLower(strings.ReplaceAll(first+"."+last, " ", ""))
}

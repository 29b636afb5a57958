package main

import (
	"errors"
	"strings"
	"time"

	"github.com/stripesql/stripesql/tables/sqltable"
)

// defaultSearchLag is --search-lag's default (see sqltable.DefaultSearchLag).
const defaultSearchLag = sqltable.DefaultSearchLag

// searchLag is --search-lag: a duration, or off (0) to keep WHERE
// conditions away from the Search API. The same parser reads the flag,
// STRIPESQL_SEARCH_LAG and the config file's search_lag.
type searchLag time.Duration

func (l *searchLag) Set(s string) error {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") || s == "0" {
		*l = 0
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return errors.New("want a duration such as 2m or 1h, or off")
	}
	if d < time.Second {
		return errors.New("want at least 1s (the cutoff is in whole seconds), or off")
	}
	*l = searchLag(d)
	return nil
}

func (l *searchLag) String() string {
	if *l == 0 {
		return "off"
	}
	return time.Duration(*l).String()
}

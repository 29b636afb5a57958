package engine

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/tables/sqltable"
)

// metrics are the server's Prometheus metrics, in a registry of its own
// (several servers may run in one process, e.g. in tests).
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	reqDuration *prometheus.HistogramVec
	statements  *prometheus.HistogramVec
	connections prometheus.Gauge
}

func newMetrics(o *observer) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stripesql_stripe_requests_total",
			Help: "HTTP requests sent to Stripe (retries included), by endpoint and status (none: network error or cancelled).",
		}, []string{"database", "endpoint", "status"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stripesql_stripe_rate_limited_total",
			Help: "Requests Stripe answered with 429 (each was retried after a backoff, and slowed the throttle).",
		}, []string{"database"}),
		reqDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "stripesql_stripe_request_duration_seconds",
			Help:    "Duration of HTTP requests to Stripe.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}, []string{"database"}),
		statements: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "stripesql_query_duration_seconds",
			Help:    "Duration of SQL statements, until their last row was sent.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"result"}),
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "stripesql_active_connections",
			Help: "Open MySQL connections.",
		}),
	}
	m.reg.MustRegister(m.requests, m.rateLimited, m.reqDuration, m.statements, m.connections,
		accountCollector{o}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// MetricsHandler serves the metrics in Prometheus' text format
// (--metrics-listen mounts it on /metrics).
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.obs.metrics.reg, promhttp.HandlerOpts{})
}

// request counts a request that went to Stripe; cache lookups are counted
// by the cache itself (accountCollector).
func (m *metrics) request(db string, r sqltable.RequestRecord) {
	if r.Cache == sqltable.CacheHit || r.Cache == sqltable.CacheShared || r.Cache == sqltable.CacheReplica {
		return
	}
	status := "none"
	if r.Status != 0 {
		status = strconv.Itoa(r.Status)
	}
	m.requests.WithLabelValues(db, endpoint(r.Path), status).Inc()
	if r.Status == http.StatusTooManyRequests {
		m.rateLimited.WithLabelValues(db).Inc()
	}
	m.reqDuration.WithLabelValues(db).Observe(r.Duration.Seconds())
}

func (m *metrics) statement(d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.statements.WithLabelValues(result).Observe(d.Seconds())
}

// endpoint names a path without its object ids, to keep the number of
// label values small: /v1/charges/ch_1/refunds → /v1/charges/{id}/refunds.
// Ids are the segments after a resource (even positions) that contain an
// underscore, which sets them apart from /v1/invoices/upcoming or
// /v1/customers/search.
func endpoint(path string) string {
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i := 2; i < len(seg); i += 2 {
		if strings.Contains(seg[i], "_") {
			seg[i] = "{id}"
		}
	}
	return "/" + strings.Join(seg, "/")
}

// accountCollector reports each account's cache counters and throttle
// rates when scraped.
type accountCollector struct{ o *observer }

// cacheMetrics are the per-account metrics read from cache.Stats.
var cacheMetrics = []struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(s cache.Stats, maxBytes int64) int64
}{
	{newAccountDesc("stripesql_cache_hits_total", "Pages and objects served from the cache."),
		prometheus.CounterValue, func(s cache.Stats, _ int64) int64 { return s.Hits }},
	{newAccountDesc("stripesql_cache_misses_total", "Cache lookups that had to ask Stripe."),
		prometheus.CounterValue, func(s cache.Stats, _ int64) int64 { return s.Misses }},
	{newAccountDesc("stripesql_cache_shared_total", "Cache lookups answered by a request another query was already making."),
		prometheus.CounterValue, func(s cache.Stats, _ int64) int64 { return s.Shared }},
	{newAccountDesc("stripesql_cache_evictions_total", "Cache entries dropped to stay within --cache-size."),
		prometheus.CounterValue, func(s cache.Stats, _ int64) int64 { return s.Evictions }},
	{newAccountDesc("stripesql_cache_expired_total", "Cache entries dropped because their --cache-ttl had passed."),
		prometheus.CounterValue, func(s cache.Stats, _ int64) int64 { return s.Expired }},
	{newAccountDesc("stripesql_cache_bytes", "Current size of the cache."),
		prometheus.GaugeValue, func(s cache.Stats, _ int64) int64 { return s.Bytes }},
	{newAccountDesc("stripesql_cache_max_bytes", "Bound on the size of the cache (--cache-size)."),
		prometheus.GaugeValue, func(_ cache.Stats, maxBytes int64) int64 { return maxBytes }},
	{newAccountDesc("stripesql_cache_entries", "Cached pages and objects."),
		prometheus.GaugeValue, func(s cache.Stats, _ int64) int64 { return s.Entries }},
}

var throttleDesc = prometheus.NewDesc("stripesql_throttle_rate",
	"Requests per second the throttle currently allows (lower for a while after a 429).", []string{"database", "bucket"}, nil)

var throttleTokensDesc = newAccountDesc("stripesql_throttle_tokens_total",
	"Requests the throttle let go to Stripe (retries and hedged reads included): each took a token of the rate.")

func newAccountDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, []string{"database"}, nil)
}

func (c accountCollector) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(c, ch) }

func (c accountCollector) Collect(ch chan<- prometheus.Metric) {
	for _, a := range c.o.accounts {
		if s, ok := a.Client.CacheStats(); ok {
			cc := a.Client.Cache()
			for _, m := range cacheMetrics {
				ch <- prometheus.MustNewConstMetric(m.desc, m.kind, float64(m.value(s, cc.MaxBytes())), a.Database)
			}
		}
		if t := a.Client.Throttle(); t != nil {
			general, search := t.Rates()
			ch <- prometheus.MustNewConstMetric(throttleDesc, prometheus.GaugeValue, general, a.Database, "api")
			ch <- prometheus.MustNewConstMetric(throttleDesc, prometheus.GaugeValue, search, a.Database, "search")
			ch <- prometheus.MustNewConstMetric(throttleTokensDesc, prometheus.CounterValue, float64(t.Taken()), a.Database)
		}
	}
}

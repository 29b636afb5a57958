// Package replicatest runs several stripesql replicas (in one process,
// each with its own client, caches, throttle and connection to Redis)
// over one fake Stripe account limited to 25 requests/s and one real
// redis-server (internal/redistest): what they share through --redis-url
// (rate budget, leases, data, events) and how they do when Redis is lost
// and comes back. It has tests only.
package replicatest

package redisshare

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stripesql/stripesql/cache"
)

// levelLua computes the bucket's rate now (local level) from its state:
// the configured rate, or one growing back from the last cut.
const levelLua = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local rate, minrate, recovery = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]) * 1000
local st = redis.call('HMGET', KEYS[1], 'tat', 'cut', 'from', 'gen')
local tat = tonumber(st[1]) or now
local cut = tonumber(st[2]) or 0
local from = tonumber(st[3]) or rate
local gen = tonumber(st[4]) or 0
local level = rate
if cut > 0 then level = math.min(rate, from + rate * (now - cut) / recovery) end
local function burst(r) return math.max(1, math.floor(r)) end
`

// reserveScript is GCRA: tat is when the bucket would be full again; a
// token is there while tat - now stays within a second's worth (burst)
// of intervals. The token is taken even if it comes later (the caller
// waits for it), unless it comes after ARGV[4] µs.
var reserveScript = redis.NewScript(levelLua + `
local interval = 1000000 / level
if tat < now then tat = now end
local newtat = tat + interval
local wait = newtat - now - burst(level) * interval
if wait < 0 then wait = 0 end
local maxwait = tonumber(ARGV[4])
if maxwait >= 0 and wait > maxwait then return {-1, gen, tostring(level)} end
redis.call('HSET', KEYS[1], 'tat', string.format('%.0f', newtat))
redis.call('PEXPIRE', KEYS[1], 3600000)
return {math.floor(wait), gen, tostring(level)}
`)

// cutScript halves the level after a refusal of generation ARGV[4] and
// empties the bucket: the source's own bucket is empty, so tokens saved
// up here would only earn more refusals.
var cutScript = redis.NewScript(levelLua + `
if tonumber(ARGV[4]) ~= gen then return 0 end
local newfrom = math.max(math.min(minrate, rate), level / 2)
local empty = now + burst(newfrom) * 1000000 / newfrom
if tat < empty then tat = empty end
redis.call('HSET', KEYS[1], 'tat', string.format('%.0f', tat), 'cut', string.format('%.0f', now),
  'from', tostring(newfrom), 'gen', gen + 1)
redis.call('PEXPIRE', KEYS[1], 3600000)
return 1
`)

func bucketArgs(b cache.Bucket) []any {
	return []any{strconv.FormatFloat(b.Rate, 'f', -1, 64), strconv.FormatFloat(b.MinRate, 'f', -1, 64), b.Recovery.Milliseconds()}
}

// Reserve takes the bucket's next token (cache.RateBudget).
func (s *Store) Reserve(ctx context.Context, b cache.Bucket, maxWait time.Duration) (cache.Grant, error) {
	if b.Rate <= 0 {
		return cache.Grant{}, fmt.Errorf("redisshare: bucket %q has no rate", b.Name)
	}
	if b.Recovery <= 0 {
		b.Recovery = time.Second
	}
	maxUS := int64(-1)
	if maxWait >= 0 {
		maxUS = maxWait.Microseconds()
	}
	var g cache.Grant
	err := s.call(ctx, func(ctx context.Context) error {
		res, err := reserveScript.Run(ctx, s.rdb, []string{s.key("rate", b.Name)}, append(bucketArgs(b), maxUS)...).Slice()
		if err != nil {
			return err
		}
		if len(res) != 3 {
			return fmt.Errorf("redisshare: reserve answered %v", res)
		}
		wait, _ := res[0].(int64)
		g.Gen, _ = res[1].(int64)
		level, _ := res[2].(string)
		g.Level, _ = strconv.ParseFloat(level, 64)
		if wait < 0 {
			return cache.ErrTooLong
		}
		g.Wait = time.Duration(wait) * time.Microsecond
		return nil
	})
	return g, err
}

// Cut slows the bucket down after a refusal (cache.RateBudget).
func (s *Store) Cut(ctx context.Context, b cache.Bucket, gen int64) error {
	if b.Recovery <= 0 {
		b.Recovery = time.Second
	}
	return s.call(ctx, func(ctx context.Context) error {
		return cutScript.Run(ctx, s.rdb, []string{s.key("rate", b.Name)}, append(bucketArgs(b), gen)...).Err()
	})
}

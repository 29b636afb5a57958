package redisshare

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stripesql/stripesql/cache"
)

// nowMS is Redis' clock in milliseconds, for the scripts.
const nowMS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function overlaps(l, h, lo, hi) return tonumber(l) < hi and lo < tonumber(h) end
local function dropseg(segs, id, chunks, prefix)
  redis.call('HDEL', segs, id)
  for n = 0, tonumber(chunks) - 1 do redis.call('DEL', prefix .. id .. ':' .. n) end
end
local function supersede(leases, tok, v)
  local l, h, e, o = string.match(v, '^(%S+) (%S+) (%S+) (%S+)')
  redis.call('HSET', leases, tok, l .. ' ' .. h .. ' ' .. e .. ' ' .. o .. ' 1')
end
`

// leaseScript takes a lease on [ARGV[1], ARGV[2]) for owner ARGV[4] as
// token ARGV[3] for ARGV[5] ms, or returns the token of another owner's
// overlapping lease. Expired leases are dropped on the way. The stream
// (ARGV[6]) is listed among the streams (KEYS[2]) while leased, so that
// invalidating it finds the lease before anything is published.
var leaseScript = redis.NewScript(nowMS + `
local lo, hi = tonumber(ARGV[1]), tonumber(ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local l, h, e, o = string.match(all[i + 1], '^(%S+) (%S+) (%S+) (%S+)')
  if tonumber(e) <= now then
    redis.call('HDEL', KEYS[1], all[i])
  elseif overlaps(l, h, lo, hi) and o ~= ARGV[4] then
    return all[i]
  end
end
redis.call('HSET', KEYS[1], ARGV[3], ARGV[1] .. ' ' .. ARGV[2] .. ' ' .. string.format('%.0f', now + tonumber(ARGV[5])) .. ' ' .. ARGV[4] .. ' 0')
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
redis.call('ZADD', KEYS[2], 'GT', string.format('%.0f', now + tonumber(ARGV[5])), ARGV[6])
return ''
`)

// heldScript reports whether lease ARGV[1] is still held.
var heldScript = redis.NewScript(nowMS + `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
local e = string.match(v, '^%S+ %S+ (%S+)')
if tonumber(e) <= now then return 0 end
return 1
`)

// renewScript extends lease ARGV[1] by ARGV[2] ms, and the listing of
// its stream ARGV[3] (KEYS[2]); 0 when it is gone.
var renewScript = redis.NewScript(nowMS + `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
local l, h, e, o, s = string.match(v, '^(%S+) (%S+) (%S+) (%S+) (%S+)$')
local exp = string.format('%.0f', now + tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], ARGV[1], l .. ' ' .. h .. ' ' .. exp .. ' ' .. o .. ' ' .. s)
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
redis.call('ZADD', KEYS[2], 'GT', exp, ARGV[3])
return 1
`)

// publishScript ends lease ARGV[1] and, unless it was superseded, stores
// the segment [ARGV[2], ARGV[3]) read from ARGV[4] (ms) as ARGV[5] chunks
// under id ARGV[6] until ARGV[7] (ms), dropping the stream's segments it
// overlaps and those expired. ARGV[8] is the stream, ARGV[9] the chunks'
// key prefix.
var publishScript = redis.NewScript(nowMS + `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
if string.match(v, ' (%S+)$') == '1' then return 0 end
local lo, hi, exp = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[7])
if exp <= now then return 0 end
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local l, h, _, c, e = string.match(all[i + 1], '^(%S+) (%S+) (%S+) (%S+) (%S+)$')
  if tonumber(e) <= now or overlaps(l, h, lo, hi) then dropseg(KEYS[2], all[i], c, ARGV[9]) end
end
redis.call('HSET', KEYS[2], ARGV[6], ARGV[2] .. ' ' .. ARGV[3] .. ' ' .. ARGV[4] .. ' ' .. ARGV[5] .. ' ' .. ARGV[7])
if redis.call('PTTL', KEYS[2]) < exp - now then redis.call('PEXPIRE', KEYS[2], string.format('%.0f', exp - now)) end
redis.call('ZADD', KEYS[3], 'GT', ARGV[7], ARGV[8])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
return 1
`)

// invalidateScript drops the segments holding key ARGV[1] or starting
// just above it, and supersedes the leases over it.
var invalidateScript = redis.NewScript(nowMS + `
local at = tonumber(ARGV[1])
local leases = redis.call('HGETALL', KEYS[1])
for i = 1, #leases, 2 do
  local l, h = string.match(leases[i + 1], '^(%S+) (%S+)')
  if tonumber(l) <= at and at < tonumber(h) then supersede(KEYS[1], leases[i], leases[i + 1]) end
end
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local l, h, _, c = string.match(all[i + 1], '^(%S+) (%S+) (%S+) (%S+)')
  if tonumber(l) - 1 <= at and at < tonumber(h) then dropseg(KEYS[2], all[i], c, ARGV[2]) end
end
return 1
`)

// removeScript drops every segment of stream ARGV[1] and supersedes its
// leases.
const removeLua = nowMS + `
local leases = redis.call('HGETALL', KEYS[1])
for i = 1, #leases, 2 do supersede(KEYS[1], leases[i], leases[i + 1]) end
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local c = string.match(all[i + 1], '^%S+ %S+ %S+ (%S+)')
  dropseg(KEYS[2], all[i], c, ARGV[2])
end
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
`

func (s *Store) streamsKey() string            { return s.opts.Prefix + "streams" }
func (s *Store) segsKey(stream string) string  { return s.key("segs", stream) }
func (s *Store) leaseKey(stream string) string { return s.key("lease", stream) }
func (s *Store) blobPrefix() string            { return s.opts.Prefix + "blob:" }

func i64(n int64) string { return strconv.FormatInt(n, 10) }

// Cover returns the stream's live segments overlapping [lo, hi), highest
// first (cache.SharedSegments).
func (s *Store) Cover(ctx context.Context, stream string, lo, hi int64) ([]cache.SharedSegment, error) {
	var out []cache.SharedSegment
	err := s.call(ctx, func(ctx context.Context) error {
		all, err := s.rdb.HGetAll(ctx, s.segsKey(stream)).Result()
		if err != nil {
			return err
		}
		now := ms(time.Now())
		for id, v := range all {
			var g cache.SharedSegment
			var since, exp int64
			if _, err := fmt.Sscanf(v, "%d %d %d %d %d", &g.Lo, &g.Hi, &since, &g.Chunks, &exp); err != nil {
				continue
			}
			if exp <= now || g.Lo >= hi || lo >= g.Hi {
				continue
			}
			g.Stream, g.ID, g.Since = stream, id, time.UnixMilli(since)
			out = append(out, g)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Lo > out[j].Lo })
	return out, err
}

// Load returns a segment's chunks (cache.SharedSegments).
func (s *Store) Load(ctx context.Context, g cache.SharedSegment) ([][]byte, error) {
	if g.Chunks == 0 {
		return nil, nil
	}
	var out [][]byte
	err := s.call(ctx, func(ctx context.Context) error {
		keys := make([]string, g.Chunks)
		for n := range keys {
			keys[n] = s.blobPrefix() + g.ID + ":" + strconv.Itoa(n)
		}
		vals, err := s.rdb.MGet(ctx, keys...).Result()
		if err != nil {
			return err
		}
		for _, v := range vals {
			str, ok := v.(string)
			if !ok {
				return cache.ErrGone // evicted (maxmemory) or dropped since Cover
			}
			out = append(out, []byte(str))
		}
		return nil
	})
	return out, err
}

// leaseWaitMax bounds the pause between two looks at a lease waited for.
const leaseWaitMax = 200 * time.Millisecond

// Lease takes a lease on [lo, hi) of stream, or waits for another
// owner's overlapping one to end (cache.SharedSegments).
func (s *Store) Lease(ctx context.Context, stream, owner string, lo, hi int64) (cache.Lease, error) {
	token := randomID()
	var other string
	err := s.call(ctx, func(ctx context.Context) error {
		var err error
		other, err = leaseScript.Run(ctx, s.rdb, []string{s.leaseKey(stream), s.streamsKey()},
			i64(lo), i64(hi), token, s.replica+"/"+owner, s.opts.LeaseTTL.Milliseconds(), stream).Text()
		return err
	})
	if err != nil {
		return nil, err
	}
	if other == "" {
		l := &lease{s: s, stream: stream, token: token, lo: lo, hi: hi, stop: make(chan struct{})}
		go l.renew()
		return l, nil
	}
	// Another replica reads it: wait until its lease ends (published,
	// released, or expired with its holder).
	pause := 10 * time.Millisecond
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, leaseWaitMax)
		var held int64
		err := s.call(ctx, func(ctx context.Context) error {
			var err error
			held, err = heldScript.Run(ctx, s.rdb, []string{s.leaseKey(stream)}, other).Int64()
			return err
		})
		if err != nil {
			return nil, err
		}
		if held == 0 {
			return nil, nil
		}
	}
}

// lease is a held cache.Lease; a goroutine renews it until it ends.
type lease struct {
	s      *Store
	stream string
	token  string
	lo, hi int64
	stop   chan struct{}
	once   sync.Once
}

func (l *lease) renew() {
	t := time.NewTicker(l.s.opts.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		var held int64
		err := l.s.call(ctx, func(ctx context.Context) error {
			var err error
			held, err = renewScript.Run(ctx, l.s.rdb, []string{l.s.leaseKey(l.stream), l.s.streamsKey()},
				l.token, l.s.opts.LeaseTTL.Milliseconds(), l.stream).Int64()
			return err
		})
		cancel()
		if err == nil && held == 0 {
			return // gone (Redis restarted empty): Publish will find out
		}
	}
}

func (l *lease) end() { l.once.Do(func() { close(l.stop) }) }

// Publish shares [lo, hi) and ends the lease (cache.Lease).
func (l *lease) Publish(ctx context.Context, lo, hi int64, since time.Time, chunks [][]byte) (bool, error) {
	l.end()
	s := l.s
	lo, hi = max(lo, l.lo), min(hi, l.hi)
	exp := since.Add(s.opts.TTL)
	left := time.Until(exp)
	if lo >= hi || s.opts.TTL <= 0 || left < time.Millisecond {
		l.Release()
		return false, nil
	}
	id := randomID()
	keys := make([]string, len(chunks))
	var stored int64
	err := s.call(ctx, func(ctx context.Context) error {
		pipe := s.rdb.Pipeline()
		for n, c := range chunks {
			keys[n] = s.blobPrefix() + id + ":" + strconv.Itoa(n)
			pipe.Set(ctx, keys[n], c, left)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return err
		}
		var err error
		stored, err = publishScript.Run(ctx, s.rdb, []string{s.leaseKey(l.stream), s.segsKey(l.stream), s.streamsKey()},
			l.token, i64(lo), i64(hi), i64(ms(since)), len(chunks), id, i64(ms(exp)), l.stream, s.blobPrefix()).Int64()
		return err
	})
	if err != nil || stored == 0 {
		if len(keys) > 0 && keys[0] != "" && s.Available() {
			dctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = s.rdb.Del(dctx, keys...).Err()
			cancel()
		}
		return false, err
	}
	return true, nil
}

// Release ends the lease without sharing (cache.Lease).
func (l *lease) Release() {
	l.end()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = l.s.call(ctx, func(ctx context.Context) error {
		return l.s.rdb.HDel(ctx, l.s.leaseKey(l.stream), l.token).Err()
	})
}

// Invalidate drops the stream's segments holding at (cache.SharedSegments).
func (s *Store) Invalidate(ctx context.Context, stream string, at int64) error {
	return s.call(ctx, func(ctx context.Context) error {
		return invalidateScript.Run(ctx, s.rdb, []string{s.leaseKey(stream), s.segsKey(stream)}, i64(at), s.blobPrefix()).Err()
	})
}

// Remove drops the streams' segments (cache.SharedSegments).
func (s *Store) Remove(ctx context.Context, streams ...string) error {
	if len(streams) == 0 {
		return nil
	}
	return s.call(ctx, func(ctx context.Context) error {
		// EVAL with the script's text: a pipeline cannot fall back from
		// EVALSHA when Redis lost its scripts (a restart).
		pipe := s.rdb.Pipeline()
		for _, st := range streams {
			pipe.Eval(ctx, removeLua, []string{s.leaseKey(st), s.segsKey(st), s.streamsKey()}, st, s.blobPrefix())
		}
		_, err := pipe.Exec(ctx)
		return err
	})
}

// Streams lists the streams holding live segments or leases
// (cache.SharedSegments).
func (s *Store) Streams(ctx context.Context) ([]string, error) {
	var out []string
	err := s.call(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.rdb.ZRangeByScore(ctx, s.streamsKey(), &redis.ZRangeBy{Min: "(" + i64(ms(time.Now())), Max: "+inf"}).Result()
		return err
	})
	return out, err
}

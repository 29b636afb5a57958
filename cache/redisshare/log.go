package redisshare

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// maxLogEntries bounds a log (approximately: Redis trims whole nodes).
const maxLogEntries = 10000

// leadScript makes ARGV[1] the leader for ARGV[2] ms, or keeps it so.
var leadScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
`)

// Lead makes this process the log's writer for ttl (cache.SharedLog).
func (s *Store) Lead(ctx context.Context, log string, ttl time.Duration) (bool, error) {
	var lead int64
	err := s.call(ctx, func(ctx context.Context) error {
		var err error
		lead, err = leadScript.Run(ctx, s.rdb, []string{s.key("lead", log)}, s.replica, ttl.Milliseconds()).Int64()
		return err
	})
	return lead == 1, err
}

// State is the writer's saved state (cache.SharedLog).
func (s *Store) State(ctx context.Context, log string) ([]byte, error) {
	var out []byte
	err := s.call(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.rdb.Get(ctx, s.key("state", log)).Bytes()
		return err
	})
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return out, err
}

// SetState saves the writer's state (cache.SharedLog).
func (s *Store) SetState(ctx context.Context, log string, state []byte) error {
	return s.call(ctx, func(ctx context.Context) error {
		return s.rdb.Set(ctx, s.key("state", log), state, 0).Err()
	})
}

// Append adds entries to the log (cache.SharedLog).
func (s *Store) Append(ctx context.Context, log string, entries ...[]byte) error {
	if len(entries) == 0 {
		return nil
	}
	return s.call(ctx, func(ctx context.Context) error {
		pipe := s.rdb.Pipeline()
		for _, e := range entries {
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: s.key("log", log), MaxLen: maxLogEntries, Approx: true, Values: []any{"e", e}})
		}
		_, err := pipe.Exec(ctx)
		return err
	})
}

// Read returns the entries after position after (cache.SharedLog).
func (s *Store) Read(ctx context.Context, log, after string, block time.Duration) ([][]byte, string, error) {
	key := s.key("log", log)
	if after == "" {
		pos := "0-0"
		err := s.call(ctx, func(ctx context.Context) error {
			last, err := s.rdb.XRevRangeN(ctx, key, "+", "-", 1).Result()
			if len(last) > 0 {
				pos = last[0].ID
			}
			return err
		})
		return nil, pos, err
	}
	var out [][]byte
	pos := after
	err := s.call(ctx, func(ctx context.Context) error {
		res, err := s.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{key, after}, Count: 1000, Block: block}).Result()
		if err != nil {
			return err
		}
		for _, st := range res {
			for _, m := range st.Messages {
				pos = m.ID
				if e, ok := m.Values["e"].(string); ok {
					out = append(out, []byte(e))
				}
			}
		}
		return nil
	})
	if errors.Is(err, redis.Nil) {
		err = nil // nothing within block
	}
	return out, pos, err
}

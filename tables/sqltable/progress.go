package sqltable

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
)

// progressEvery is how often a long scan reports its progress.
const progressEvery = 5 * time.Second

// progress follows a scan for the server log and SHOW PROCESSLIST: pages
// and objects received, rate and, for a created range, the time left.
type progress struct {
	table   string
	start   time.Time
	last    time.Time
	pages   int
	objects int
	// lo, hi bound the created range read (0 when unknown); newest/oldest
	// are the created values seen.
	lo, hi    int64
	oldest    int64
	published int // objects shown in the process list so far
}

// observe counts a batch and, every progressEvery, logs and publishes
// the progress.
func (p *progress) observe(ctx context.Context, log *slog.Logger, objs []json.RawMessage) {
	now := time.Now()
	if p.start.IsZero() {
		p.start, p.last = now, now
	}
	p.pages++
	p.objects += len(objs)
	if len(objs) > 0 {
		if c := createdOf(objs[len(objs)-1]); c > 0 && (p.oldest == 0 || c < p.oldest) {
			p.oldest = c
		}
	}
	if now.Sub(p.last) < progressEvery {
		if p.pages == 1 {
			p.publish(ctx)
		}
		return
	}
	p.last = now
	elapsed := now.Sub(p.start)
	rate := float64(p.objects) / elapsed.Seconds()
	attrs := []any{"table", p.table, "pages", p.pages, "objects", p.objects, "objects_per_s", int(rate), "elapsed", elapsed.Round(time.Second)}
	if done := p.fraction(); done > 0 && done < 1 {
		attrs = append(attrs, "done", int(done*100), "eta", time.Duration(float64(elapsed)*(1-done)/done).Round(time.Second))
	}
	if log != nil {
		log.Info("stripe scan progress", attrs...)
	}
	p.publish(ctx)
}

// progressName is the SHOW PROCESSLIST line of a scan's Stripe objects.
const progressName = "objects from Stripe"

// publish shows the objects received in SHOW PROCESSLIST, under the table.
func (p *progress) publish(ctx context.Context) {
	sctx, ok := ctx.(*sql.Context)
	if !ok || sctx.ProcessList == nil {
		return
	}
	if p.published == 0 {
		// The table's entry exists when the engine tracks the table itself;
		// adding it again keeps it (AddTableProgress only sets a total).
		sctx.ProcessList.AddTableProgress(sctx.Pid(), p.table, -1)
		sctx.ProcessList.AddPartitionProgress(sctx.Pid(), p.table, progressName, -1)
	}
	sctx.ProcessList.UpdatePartitionProgress(sctx.Pid(), p.table, progressName, int64(p.objects-p.published))
	p.published = p.objects
}

// fraction is the share of a bounded created range read so far (objects
// come newest first), 0 when unknown.
func (p *progress) fraction() float64 {
	if p.lo <= 0 || p.hi <= p.lo || p.hi > 1<<40 || p.oldest == 0 {
		return 0
	}
	return float64(p.hi-p.oldest) / float64(p.hi-p.lo)
}

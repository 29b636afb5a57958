package engine

import (
	"context"
	"io"
	"log/slog"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/stripesql/stripesql/tables"
)

var logrusOnce sync.Once

// routeLogrus sends go-mysql-server's logrus output (connection opened,
// server ready, …) to our structured log at debug level, redacted: it is
// noise to a user, useful when debugging.
func routeLogrus(log *slog.Logger) {
	logrusOnce.Do(func() {
		logrus.SetOutput(io.Discard)
		logrus.SetLevel(logrus.DebugLevel)
		logrus.AddHook(slogHook{log})
	})
}

type slogHook struct{ log *slog.Logger }

func (slogHook) Levels() []logrus.Level { return logrus.AllLevels }

func (h slogHook) Fire(e *logrus.Entry) error {
	lvl := slog.LevelDebug
	if e.Level <= logrus.ErrorLevel {
		lvl = slog.LevelWarn
	}
	if !h.log.Enabled(context.Background(), lvl) {
		return nil
	}
	attrs := make([]any, 0, 2*len(e.Data))
	for k, v := range e.Data {
		attrs = append(attrs, k, v)
	}
	h.log.Log(context.Background(), lvl, "sql: "+tables.Redact(e.Message), attrs...)
	return nil
}

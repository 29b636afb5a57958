package engine

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"

	vtlog "github.com/dolthub/vitess/go/vt/log"
	"github.com/sirupsen/logrus"

	"github.com/stripesql/stripesql/tables/sqltable"
)

var logrusOnce sync.Once

// sinks are the loggers of the servers running in this process:
// go-mysql-server (logrus) and vitess (the standard log package) log
// through globals, so their output goes to every running server's log.
var sinks struct {
	sync.RWMutex
	loggers map[*slog.Logger]int
}

// routeLogrus sends go-mysql-server's logrus output (connection opened,
// server ready, …) and vitess's log lines to log, redacted: logrus at
// debug level (noise to a user, useful when debugging), vitess's at warn
// (it logs failed logins and broken connections). It returns the function
// that stops sending them.
func routeLogrus(log *slog.Logger) (stop func()) {
	logrusOnce.Do(func() {
		logrus.SetOutput(io.Discard)
		logrus.SetFormatter(discardFormatter{})
		logrus.AddHook(slogHook{})
		vtlog.Info, vtlog.Infof = vitessLog(slog.LevelDebug)
		vtlog.Warning, vtlog.Warningf = vitessLog(slog.LevelWarn)
		vtlog.Error, vtlog.Errorf = vitessLog(slog.LevelWarn)
	})
	sinks.Lock()
	defer sinks.Unlock()
	if sinks.loggers == nil {
		sinks.loggers = map[*slog.Logger]int{}
	}
	sinks.loggers[log]++
	setLogrusLevelLocked()
	return func() {
		sinks.Lock()
		defer sinks.Unlock()
		if sinks.loggers[log]--; sinks.loggers[log] <= 0 {
			delete(sinks.loggers, log)
		}
		setLogrusLevelLocked()
	}
}

// setLogrusLevelLocked lets logrus build debug entries only while some
// server logs at debug level: go-mysql-server logs every query at debug
// ("Starting query"), and building that entry (the message, its fields)
// for nobody cost several percent of a short query.
func setLogrusLevelLocked() {
	lvl := logrus.InfoLevel
	for l := range sinks.loggers {
		if l.Enabled(context.Background(), slog.LevelDebug) {
			lvl = logrus.DebugLevel
			break
		}
	}
	logrus.SetLevel(lvl)
}

// discardFormatter formats nothing: logrus's output is discarded (the
// hook sends its entries to the servers' logs), so formatting each entry
// as text is wasted.
type discardFormatter struct{}

func (discardFormatter) Format(*logrus.Entry) ([]byte, error) { return nil, nil }

// logToSinks writes one redacted record to every server's log.
func logToSinks(lvl slog.Level, msg string, attrs ...any) {
	sinks.RLock()
	defer sinks.RUnlock()
	for l := range sinks.loggers {
		if l.Enabled(context.Background(), lvl) {
			l.Log(context.Background(), lvl, sqltable.Redact(msg), attrs...)
		}
	}
}

// sinksEnabled reports whether some server logs records of level lvl, so
// that a record nobody wants is not built (logrus logs every query).
func sinksEnabled(lvl slog.Level) bool {
	sinks.RLock()
	defer sinks.RUnlock()
	for l := range sinks.loggers {
		if l.Enabled(context.Background(), lvl) {
			return true
		}
	}
	return false
}

func vitessLog(lvl slog.Level) (print func(...any), printf func(string, ...any)) {
	return func(args ...any) { logToSinks(lvl, "mysql: "+fmt.Sprint(args...)) },
		func(format string, args ...any) { logToSinks(lvl, "mysql: "+fmt.Sprintf(format, args...)) }
}

type slogHook struct{}

func (slogHook) Levels() []logrus.Level { return logrus.AllLevels }

func (slogHook) Fire(e *logrus.Entry) error {
	lvl := slog.LevelDebug
	if e.Level <= logrus.ErrorLevel {
		lvl = slog.LevelWarn
	}
	if !sinksEnabled(lvl) {
		return nil
	}
	attrs := make([]any, 0, 2*len(e.Data))
	for k, v := range e.Data {
		attrs = append(attrs, k, redactValue(v))
	}
	logToSinks(lvl, "sql: "+e.Message, attrs...)
	return nil
}

// redactValue redacts a logrus field that holds text (the query, an
// error); other values are logged as they are.
func redactValue(v any) any {
	switch v := v.(type) {
	case string:
		return sqltable.Redact(v)
	case error:
		return sqltable.Redact(v.Error())
	}
	return v
}

package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	kservice "github.com/kardianos/service"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/logfile"
)

// The service's log file: next to the config, 10 MiB per file, the current
// file plus three rotated copies (at most about 40 MiB).
const (
	LogMaxBytes = 10 << 20
	LogKeep     = 3
)

// LogPath is the log file of the calsync whose config is at configPath.
func LogPath(configPath string) string {
	return config.SiblingPath(configPath, config.LogFileName)
}

// systemLogKey marks a record for the OS service log; NewLogger's handler
// removes it before anything is written.
const systemLogKey = "calsync.oslog"

// SystemLog marks a record (or, with Logger.With, every record of a logger)
// for the OS service log as well: the Windows Event Log or syslog. Use it for
// the few events an administrator looks for there, such as start and stop;
// errors go there without it.
//
//	log.Info("service started", service.SystemLog())
func SystemLog() slog.Attr { return slog.Bool(systemLogKey, true) }

// LogOptions says where NewLogger's records go.
type LogOptions struct {
	// Level is the threshold for File and Stderr; nil means slog.LevelInfo.
	Level slog.Leveler
	// File receives every record at Level or above as a text line (usually
	// a *logfile.File); nil means none.
	File io.Writer
	// System receives errors, and records marked with SystemLog at Info or
	// above, whatever Level says; nil means none.
	System kservice.Logger
	// Stderr receives the same records as File (set it when running in a
	// terminal); nil means none.
	Stderr io.Writer
}

// NewLogger returns a logger that fans every record out as LogOptions says.
// It writes only what it is given: callers must not pass secrets or the
// subject or location of a private event.
func NewLogger(o LogOptions) *slog.Logger {
	level := o.Level
	if level == nil {
		level = slog.LevelInfo
	}
	h := &fanout{level: level}
	if o.File != nil {
		h.outputs = append(h.outputs, slog.NewTextHandler(o.File, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if o.Stderr != nil {
		h.outputs = append(h.outputs, slog.NewTextHandler(o.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if o.System != nil {
		h.system = &systemHandler{sys: o.System}
	}
	return slog.New(h)
}

// OpenLogger builds the service's logger for p as NewLogger would be wired
// for it: the rotating log file (LogPath, LogMaxBytes × LogKeep) always, the
// OS service log when the service manager started the process, stderr when
// it runs in a terminal. The caller closes the returned file when done with
// the logger; it also serves the GUI's log view (Tail).
func OpenLogger(p Params, level slog.Leveler) (*slog.Logger, *logfile.File, error) {
	if err := p.Validate(); err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(filepath.Dir(p.ConfigPath), 0o700); err != nil {
		return nil, nil, fmt.Errorf("create the directory for the log: %w", err)
	}
	f, err := logfile.Open(LogPath(p.ConfigPath), LogMaxBytes, LogKeep)
	if err != nil {
		return nil, nil, err
	}
	o := LogOptions{Level: level, File: f}
	var sysErr error
	if kservice.Interactive() {
		o.Stderr = os.Stderr
	} else {
		var s kservice.Service
		if s, sysErr = kservice.New(noProgram{}, Config(p)); sysErr == nil {
			o.System, sysErr = s.SystemLogger(nil)
		}
	}
	log := NewLogger(o)
	if sysErr != nil {
		log.Warn("the OS service log is not available; logging to the file only", "err", sysErr)
	}
	return log, f, nil
}

// fanout is the slog.Handler behind NewLogger.
type fanout struct {
	level    slog.Leveler
	outputs  []slog.Handler // file and stderr, filtered by level
	system   *systemHandler // nil when there is no OS service log
	toSystem bool           // the logger was made With(SystemLog())
}

func (h *fanout) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level() || (h.system != nil && l >= slog.LevelInfo)
}

func (h *fanout) Handle(ctx context.Context, r slog.Record) error {
	marked := h.toSystem
	if hasSystemMark(r) {
		marked = true
		r = withoutSystemMark(r)
	}
	var errs []error
	if r.Level >= h.level.Level() {
		for _, out := range h.outputs {
			errs = append(errs, out.Handle(ctx, r))
		}
	}
	if h.system != nil && (r.Level >= slog.LevelError || (marked && r.Level >= slog.LevelInfo)) {
		errs = append(errs, h.system.Handle(ctx, r))
	}
	return errors.Join(errs...)
}

func (h *fanout) WithAttrs(attrs []slog.Attr) slog.Handler {
	n := *h
	kept := make([]slog.Attr, 0, len(attrs))
	for _, a := range attrs {
		if a.Key == systemLogKey {
			n.toSystem = true
			continue
		}
		kept = append(kept, a)
	}
	if len(kept) == 0 {
		return &n
	}
	n.outputs = make([]slog.Handler, len(h.outputs))
	for i, out := range h.outputs {
		n.outputs[i] = out.WithAttrs(kept)
	}
	if h.system != nil {
		n.system = h.system.with(func(s slog.Handler) slog.Handler { return s.WithAttrs(kept) })
	}
	return &n
}

func (h *fanout) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	n := *h
	n.outputs = make([]slog.Handler, len(h.outputs))
	for i, out := range h.outputs {
		n.outputs[i] = out.WithGroup(name)
	}
	if h.system != nil {
		n.system = h.system.with(func(s slog.Handler) slog.Handler { return s.WithGroup(name) })
	}
	return &n
}

func hasSystemMark(r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == systemLogKey
		return !found
	})
	return found
}

func withoutSystemMark(r slog.Record) slog.Record {
	n := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != systemLogKey {
			n.AddAttrs(a)
		}
		return true
	})
	return n
}

// systemHandler writes a record to the OS service log as one line, the
// message first and then its attributes, without time and level: the Event
// Log and syslog stamp both themselves. It replays the logger's With/WithGroup
// calls onto a fresh text handler per record, because the service log takes a
// whole message per call rather than a byte stream.
type systemHandler struct {
	sys kservice.Logger
	ops []func(slog.Handler) slog.Handler
}

func (h *systemHandler) with(op func(slog.Handler) slog.Handler) *systemHandler {
	ops := append(h.ops[:len(h.ops):len(h.ops)], op)
	return &systemHandler{sys: h.sys, ops: ops}
}

func (h *systemHandler) Handle(ctx context.Context, r slog.Record) error {
	var buf bytes.Buffer
	var th slog.Handler = slog.NewTextHandler(&buf, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
				return slog.Attr{}
			}
			return a
		},
	})
	for _, op := range h.ops {
		th = op(th)
	}
	if err := th.Handle(ctx, r); err != nil {
		return err
	}
	line := r.Message
	if attrs := strings.TrimSpace(buf.String()); attrs != "" {
		line += " " + attrs
	}
	var err error
	switch {
	case r.Level >= slog.LevelError:
		err = h.sys.Error(line)
	case r.Level >= slog.LevelWarn:
		err = h.sys.Warning(line)
	default:
		err = h.sys.Info(line)
	}
	if err != nil {
		return fmt.Errorf("write to the OS service log: %w", err)
	}
	return nil
}

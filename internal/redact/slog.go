package redact

import (
	"context"
	"fmt"
	"log/slog"
)

// Handler wraps inner so that every record's message, string attributes,
// errors, byte slices, Stringers and maps/lists are redacted before inner
// sees them. Attributes given to WithAttrs are redacted once, when they are
// attached, against the secrets known at that moment. Attributes of other
// types (numbers, structs) pass through untouched: log secrets as strings.
func (f *Filter) Handler(inner slog.Handler) slog.Handler {
	return &handler{f: f, inner: inner}
}

type handler struct {
	f     *Filter
	inner slog.Handler
}

func (h *handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.f.String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.f.attr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.f.attr(a)
	}
	return &handler{f: h.f, inner: h.inner.WithAttrs(red)}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{f: h.f, inner: h.inner.WithGroup(name)}
}

// attr redacts one attribute, resolving LogValuers first so that a value
// which renders itself as a secret is caught too.
func (f *Filter) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, f.String(v.String()))
	case slog.KindGroup:
		group := v.Group()
		red := make([]slog.Attr, len(group))
		for i, g := range group {
			red[i] = f.attr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(red...)}
	case slog.KindAny:
		return slog.Attr{Key: a.Key, Value: f.anyValue(v.Any())}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func (f *Filter) anyValue(x any) slog.Value {
	switch t := x.(type) {
	case error:
		return slog.AnyValue(f.Error(t))
	case []byte:
		return slog.AnyValue(f.Bytes(t))
	case fmt.Stringer:
		// Only a changed text replaces the value, so that clean values keep
		// the rendering the inner handler would give them.
		if s := t.String(); f.String(s) != s {
			return slog.StringValue(f.String(s))
		}
		return slog.AnyValue(x)
	}
	return slog.AnyValue(f.Value(x))
}

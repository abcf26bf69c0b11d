package flow

import (
	"fmt"
	"time"
	_ "time/tzdata" // time zones must load on machines without zoneinfo

	cron "github.com/netresearch/go-cron"

	"github.com/bistro-dev/bistro/connector"
)

var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func (v *checker) checkTrigger(t *Trigger) {
	// Count from the source, not the decoded flow: a trigger with a broken
	// setting may not have decoded.
	raw, _ := rawAt(v.doc.Raw, "trigger").(map[string]any)
	n := 0
	for _, k := range []string{"manual", "webhook", "schedule", "event"} {
		if _, ok := raw[k]; ok {
			n++
		}
	}
	switch {
	case n == 0 && raw != nil:
		v.errorf("trigger", "use manual, webhook, schedule or event", "the trigger does not say what starts the flow")
		v.diags[len(v.diags)-1].kindless = true
	case n > 1:
		v.errorf("trigger", "keep one of manual, webhook, schedule and event; make another flow for the other", "a flow has exactly one trigger, but this one has %d", n)
	}
	if t.Schedule != nil {
		v.checkSchedule(t.Schedule, "trigger.schedule")
	}
	if t.Webhook != nil {
		v.checkWebhook(t.Webhook, "trigger.webhook")
	}
	if t.Event != nil {
		v.checkEvent(t.Event, "trigger.event")
	}
}

func (v *checker) checkEvent(e *EventTrigger, path string) {
	var src connector.Trigger
	found := false
	if v.opts.Sources != nil {
		src, found = v.opts.Sources(e.Source)
	}
	switch {
	case e.Source == "":
		v.errorf(path, "add source: connector.trigger, e.g. redis.stream", "the event trigger does not say its source")
	case !found:
		v.errorf(path+".source", "run 'bistro connectors list' to see the triggers there are", "unknown event source '%s'", e.Source)
	default:
		v.allowed(path+".source", ConnectorOf(e.Source), "the event trigger")
		for _, fe := range src.ValidateInput(e.With) {
			field := path + ".with"
			if fe.Field != "" {
				field += "." + fe.Field
			}
			v.errorf(field, "run 'bistro connectors show "+ConnectorOf(e.Source)+"' to see the settings", "the event trigger: %s", fe.Message)
		}
		if v.opts.Connection != nil && e.Connection != "" {
			if err := v.opts.Connection(e.Connection, ConnectorOf(e.Source)); err != nil {
				v.errorf(path+".connection", "run 'bistro connection list' to see the connections there are", "the event trigger: %v", err)
			}
		}
		if e.Every != "" && src.Kind == connector.Push {
			v.errorf(path+".every", "remove it: messages start runs as they come", "'%s' delivers messages as they come; 'every' only applies to sources that are polled", e.Source)
		}
	}
	if e.Every != "" {
		d, err := time.ParseDuration(e.Every)
		switch {
		case err != nil:
			v.errorf(path+".every", "write a duration such as 30s, 10m or 1h30m", "'every' must be a duration, not '%s'", e.Every)
		case d < time.Second:
			v.errorf(path+".every", "", "'every' must be at least 1s (got %s)", e.Every)
		}
	}
}

func (v *checker) checkWebhook(w *WebhookTrigger, path string) {
	v.duration(path+".timeout", w.Timeout, "the webhook")
	secret := place{scope: Scope{EnvOnly: true}, fields: unknownFields()}
	if w.Signature != nil && w.Token != nil {
		v.errorf(path, "a signed call needs no token: keep 'signature' when the sender signs its calls", "the webhook has both 'signature' and 'token': keep one")
	}
	if s := w.Signature; s != nil {
		v.template(path+".signature.secret", s.Secret, "the webhook signature", secret)
		v.duration(path+".signature.tolerance", s.Tolerance, "the webhook signature")
		if s.Header != "" && s.Scheme != "stripe" {
			v.errorf(path+".signature.header", "the standard scheme always uses the webhook-signature header", "'header' only applies to the stripe scheme")
		}
	}
	if t := w.Token; t != nil {
		v.template(path+".token.value", t.Value, "the webhook token", secret)
		if t.Header != "" && t.Query != "" {
			v.errorf(path+".token", "keep one of them", "the webhook token has both 'header' and 'query'")
		}
	}
}

// checkRun checks the flow-wide run settings.
func (v *checker) checkRun(f *Flow) {
	v.duration("timeout", f.Timeout, "the flow")
	if f.ErrorFlow != "" && f.ErrorFlow == f.Name {
		v.errorf("error_flow", "name another flow, one that alerts someone", "a flow cannot be its own error flow")
	}
}

func (v *checker) checkSchedule(s *ScheduleTrigger, path string) {
	switch {
	case s.Cron == "" && s.Every == "":
		v.errorf(path, "add cron: \"0 9 * * MON-FRI\" or every: 10m", "the schedule says neither 'cron' nor 'every'")
	case s.Cron != "" && s.Every != "":
		v.errorf(path, "keep one of them", "the schedule has both 'cron' and 'every'")
	}
	if s.Cron != "" {
		if _, err := cronParser.Parse(s.Cron); err != nil {
			v.errorf(path+".cron", "a cron expression has 5 fields (minute hour day month weekday), or 6 with seconds first, or is @hourly, @daily, @weekly",
				"'%s' is not a valid cron expression: %v", s.Cron, err)
		}
	}
	if s.Every != "" {
		d, err := time.ParseDuration(s.Every)
		switch {
		case err != nil:
			v.errorf(path+".every", "write a duration such as 30s, 10m or 1h30m", "'every' must be a duration, not '%s'", s.Every)
		case d < time.Second:
			v.errorf(path+".every", "", "'every' must be at least 1s (got %s)", s.Every)
		}
	}
	if s.Timezone != "" {
		if _, err := time.LoadLocation(s.Timezone); err != nil {
			v.errorf(path+".timezone", didYouMean(s.Timezone, commonZones)+" time zones are written like Europe/Berlin or America/New_York",
				"unknown time zone '%s'", s.Timezone)
		}
	}
}

var commonZones = []string{"UTC", "Europe/Berlin", "Europe/London", "Europe/Paris", "America/New_York",
	"America/Chicago", "America/Los_Angeles", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney"}

func (v *checker) checkVars(vars map[string]any) {
	for _, k := range sortedKeys(vars) {
		p := joinPath("vars", k)
		if !fieldPattern.MatchString(k) {
			v.errorf(p, "use letters, digits and _", "'%s' is not a usable variable name", k)
		}
		v.value(p, vars[k], "variable '"+k+"'", place{scope: Scope{VarsOnly: true}, fields: unknownFields()})
	}
}

func (v *checker) checkRetry(r *Retry, path, name string) {
	if r == nil {
		return
	}
	v.duration(path+".retry.backoff", r.Backoff, name)
	v.duration(path+".retry.max_backoff", r.MaxBackoff, name)
}

// duration checks an optional duration setting such as "2s" or "1m30s".
func (v *checker) duration(path, s, name string) {
	if s == "" {
		return
	}
	if d, err := time.ParseDuration(s); err != nil || d <= 0 {
		v.errorf(path, "write a duration such as 2s, 500ms or 1m30s", "%s in %s must be a duration, not '%s'", label(path), name, s)
	}
}

func (v *checker) checkOnError(o *OnError, path string, at place) {
	if o.Action != "" && o.Steps != nil {
		v.errorf(path, "an error branch decides itself what happens to the record", "'on_error' has both 'action' and 'steps': keep one")
	}
	if o.Steps != nil {
		inner := at
		inner.scope.Error = true
		v.steps(o.Steps, path+".steps", inner)
	}
}

func (v *checker) http(h *HTTP, path, name string, at place) {
	v.allowed(path, "http", name)
	if h.URL == "" {
		v.errorf(path+".url", "", "%s has no 'url'", name)
	} else {
		v.template(path+".url", h.URL, name, at)
	}
	v.value(path+".headers", stringMap(h.Headers), name, at)
	v.value(path+".query", h.Query, name, at)
	v.value(path+".json", h.JSON, name, at)
	v.value(path+".form", stringMap(h.Form), name, at)
	if h.Body != nil {
		v.template(path+".body", *h.Body, name, at)
	}
	if bodies := countSet(h.JSON != nil, h.Form != nil, h.Body != nil); bodies > 1 {
		v.errorf(path, "send one of json, form or body", "%s has more than one request body", name)
	}
	v.duration(path+".timeout", h.Timeout, name)
	v.httpAuth(h.Auth, path+".auth", name, at)
	v.httpConnection(h, path, name)
	resp := at
	resp.scope.Response = true
	if h.Records != "" {
		v.expression(path+".records", h.Records, name, resp)
	}
	if h.Paginate != nil {
		v.paginate(h.Paginate, path+".paginate", name, resp)
	}
	if h.Into != "" {
		v.fieldName(path+".into", h.Into)
	}
}

// httpConnection checks a step's connection: it exists, is an http
// connection, and the step does not bring credentials of its own.
func (v *checker) httpConnection(h *HTTP, path, name string) {
	if h.Connection == "" {
		return
	}
	if h.Auth != nil {
		v.errorf(path+".auth", "remove 'auth', or remove 'connection' and give the credentials here", "%s takes its credentials from the connection '%s', so it cannot have 'auth' too", name, h.Connection)
	}
	if v.opts.Connection != nil {
		if err := v.opts.Connection(h.Connection, "http"); err != nil {
			v.errorf(path+".connection", "run 'bistro connection list' to see the connections there are", "%s: %v", name, err)
		}
	}
}

func (v *checker) httpAuth(a *HTTPAuth, path, name string, at place) {
	if a == nil {
		return
	}
	if countSet(a.Basic != nil, a.Bearer != "", a.APIKey != nil) != 1 {
		v.errorf(path, "use one of basic, bearer or api_key", "'auth' in %s must have exactly one kind", name)
	}
	if a.Basic != nil {
		v.template(path+".basic.username", a.Basic.Username, name, at)
		v.template(path+".basic.password", a.Basic.Password, name, at)
	}
	if a.Bearer != "" {
		v.template(path+".bearer", a.Bearer, name, at)
	}
	if k := a.APIKey; k != nil {
		if countSet(k.Header != "", k.Query != "") != 1 {
			v.errorf(path+".api_key", "", "'api_key' in %s must say exactly one of 'header' or 'query'", name)
		}
		v.template(path+".api_key.value", k.Value, name, at)
	}
}

func (v *checker) paginate(p *Paginate, path, name string, at place) {
	if countSet(p.LinkHeader, p.NextURL != "", p.Cursor != nil, p.Page != nil) != 1 {
		v.errorf(path, "use one of link_header, next_url, cursor or page", "'paginate' in %s must have exactly one style", name)
	}
	if p.NextURL != "" {
		v.expression(path+".next_url", p.NextURL, name, at)
	}
	if p.Cursor != nil {
		v.expression(path+".cursor.value", p.Cursor.Value, name, at)
	}
}

func countSet(flags ...bool) int {
	n := 0
	for _, f := range flags {
		if f {
			n++
		}
	}
	return n
}

var _ = fmt.Sprint

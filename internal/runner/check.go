package runner

import (
	"fmt"

	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/webhook"
)

// webhookCheck builds, once per flow version, what the webhook requires of
// every call. Secrets are templates over env only, so nothing a caller
// sends can choose the secret it is checked against.
func (c *compiled) webhookCheck(env map[string]string) (webhook.Check, error) {
	c.checkOnce.Do(func() {
		c.check, c.checkErr = buildCheck(c.doc.Flow.Trigger.Webhook, c.flow.ID, env)
		if c.checkErr != nil {
			c.checkErr = &webhook.Error{Kind: webhook.ErrNotConfigured, Code: webhook.CodeNotConfigured,
				Message: "this webhook is not set up correctly; its owner must fix it", Err: c.checkErr}
		}
	})
	return c.check, c.checkErr
}

func buildCheck(wt *flow.WebhookTrigger, scope string, env map[string]string) (webhook.Check, error) {
	vars := expr.Vars{expr.VarEnv: envVar(env)}
	var secret, token string
	var err error
	if wt.Signature != nil {
		if secret, err = evalSecret(wt.Signature.Secret, vars); err != nil {
			return webhook.Check{}, fmt.Errorf("the webhook's signature secret: %w", err)
		}
	}
	if wt.Token != nil {
		if token, err = evalSecret(wt.Token.Value, vars); err != nil {
			return webhook.Check{}, fmt.Errorf("the webhook's token: %w", err)
		}
	}
	return webhook.NewCheck(wt, scope, secret, token)
}

// evalSecret evaluates a secret template. A secret that cannot be
// evaluated comes out empty, which refuses every call (fail closed).
func evalSecret(src string, vars expr.Vars) (string, error) {
	t, err := expr.ParseTemplate(src, flow.Scope{EnvOnly: true}.Vars())
	if err != nil {
		return "", err
	}
	s, err := t.String(vars)
	if err != nil {
		return "", nil
	}
	return s, nil
}

func envVar(env map[string]string) map[string]any {
	m := make(map[string]any, len(env))
	for k, v := range env {
		m[k] = v
	}
	return m
}

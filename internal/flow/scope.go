package flow

import "github.com/bistro-dev/bistro/internal/expr"

// Scope says which variables an expression can read where it stands in the
// flow. The validator and the engine compile with the same scope, so an
// expression that validates also compiles for a run.
type Scope struct {
	Loop     bool // inside a for_each: loop.index, loop.parent
	Error    bool // inside an on_error branch: error.message, error.step
	Response bool // in an HTTP step's records and paginate settings
	VarsOnly bool // in the flow's vars: only trigger, env and run
	// EnvOnly is for secrets that check a caller (webhook signature and
	// token): only env, so nothing the caller sends can choose the secret.
	EnvOnly bool
}

// Vars lists the variable names visible in the scope.
func (s Scope) Vars() []string {
	if s.EnvOnly {
		return []string{expr.VarEnv}
	}
	if s.VarsOnly {
		return []string{expr.VarTrigger, expr.VarEnv, expr.VarRun}
	}
	vars := []string{expr.VarRecord, expr.VarTrigger, expr.VarVars, expr.VarEnv, expr.VarSteps, expr.VarRun}
	if s.Loop {
		vars = append(vars, expr.VarLoop)
	}
	if s.Error {
		vars = append(vars, expr.VarError)
	}
	if s.Response {
		vars = append(vars, expr.VarResponse)
	}
	return vars
}

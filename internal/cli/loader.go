package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bistro-dev/bistro/internal/flow"
)

// loader reads flow files from disk. A flow called by another flow is a
// path relative to the calling flow's file.
type loader struct {
	allowedEnv []string
}

func (l loader) options() flow.Options {
	return flow.Options{AllowedEnv: l.allowedEnv, ResolveFlow: l.resolve}
}

// read loads and validates one file.
func (l loader) read(path string) (*flow.Document, flow.Diagnostics, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, readError(path, err)
	}
	doc, diags := flow.Load(path, data, l.options())
	return doc, diags, nil
}

func (l loader) resolve(from *flow.Document, name string) error {
	_, err := os.Stat(l.path(from, name))
	if err != nil {
		return readError(name, err)
	}
	return nil
}

func (l loader) path(from *flow.Document, name string) string {
	if filepath.IsAbs(name) || from == nil {
		return name
	}
	return filepath.Join(filepath.Dir(from.File), name)
}

// Load implements engine.FlowLoader for call steps.
func (l loader) Load(_ context.Context, from *flow.Document, name string) (*flow.Document, error) {
	doc, diags, err := l.read(l.path(from, name))
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("the called flow %s is not valid:\n%s", name, diags.Error())
	}
	return doc, nil
}

func readError(path string, err error) error {
	switch {
	case os.IsNotExist(err):
		return fmt.Errorf("%s: no such file", path)
	case os.IsPermission(err):
		return fmt.Errorf("%s: not allowed to read this file", path)
	default:
		return fmt.Errorf("%s: %v", path, err)
	}
}

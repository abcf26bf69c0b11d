package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bistro-dev/bistro/internal/connectors"
	"github.com/bistro-dev/bistro/internal/flow"
)

// loader reads flow files from disk. A flow called by another flow is a
// path relative to the calling flow's file, or the name of a flow in a file
// next to it — the same name that finds it on a server.
type loader struct {
	allowedEnv  []string
	connections *localConnections // nil: steps' connections are not checked
}

func (l loader) options() flow.Options {
	o := flow.Options{AllowedEnv: l.allowedEnv, ResolveFlow: l.resolve}.WithConnectors(connectors.Find)
	if l.connections != nil {
		o.Connection = l.connections.check
	}
	return o
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
	_, err := l.find(from, name)
	return err
}

// find returns the file of a called flow: the path when it is one, else
// the file beside the caller whose flow has that name.
func (l loader) find(from *flow.Document, name string) (string, error) {
	path := l.path(from, name)
	if _, err := os.Stat(path); err == nil || isPathLike(name) {
		return path, readErrorOrNil(name, err)
	}
	dir := "."
	if from != nil {
		dir = filepath.Dir(from.File)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.y*ml"))
	jsonFiles, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range append(files, jsonFiles...) {
		if data, err := os.ReadFile(f); err == nil {
			if doc, _ := flow.Parse(f, data); doc != nil && doc.Flow != nil && doc.Flow.Name == name {
				return f, nil
			}
		}
	}
	return "", fmt.Errorf("there is no flow named '%s' in %s, and no file of that name", name, dir)
}

// isPathLike reports whether a call target is written as a file path.
func isPathLike(name string) bool {
	ext := filepath.Ext(name)
	return ext == ".yaml" || ext == ".yml" || ext == ".json" || filepath.Base(name) != name
}

func readErrorOrNil(path string, err error) error {
	if err == nil {
		return nil
	}
	return readError(path, err)
}

func (l loader) path(from *flow.Document, name string) string {
	if filepath.IsAbs(name) || from == nil {
		return name
	}
	return filepath.Join(filepath.Dir(from.File), name)
}

// Load implements engine.FlowLoader for call steps.
func (l loader) Load(_ context.Context, from *flow.Document, name string) (*flow.Document, error) {
	path, err := l.find(from, name)
	if err != nil {
		return nil, err
	}
	doc, diags, err := l.read(path)
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

package connector

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Markdown is the connector's reference page (docs/connectors/<name>.md),
// generated from the spec so the docs cannot drift from the code.
func (s Spec) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!-- Generated from the connector's spec. Do not edit. -->\n\n# %s (`%s`)\n\n", s.Title, s.Name)
	fmt.Fprintf(&b, "%s\n\n", s.Description)
	fmt.Fprintf(&b, "- Category: %s\n- Version: %s\n", s.Category, s.Version)
	if s.BuiltIn {
		b.WriteString("- Built in: flows use it as its own step kind (`http:`), not through `action:`; a connection is optional\n")
	}
	if len(s.Config) > 0 {
		b.WriteString("\n## Connection settings\n\n")
		writeFields(&b, s.Config)
	}
	for _, a := range s.Actions {
		writeAction(&b, s, a)
	}
	for _, t := range s.Triggers {
		fmt.Fprintf(&b, "\n## Trigger `%s.%s` (%s)\n\n%s\n\n%s\n", s.Name, t.Name, t.Kind, t.Title, t.Description)
		if len(t.Input) > 0 {
			b.WriteString("\n")
			writeFields(&b, t.Input)
		}
		if t.Output != "" {
			fmt.Fprintf(&b, "\nRecords: %s\n", t.Output)
		}
	}
	writeEndpoints(&b, s.Endpoints)
	return b.String()
}

func writeAction(b *strings.Builder, s Spec, a Action) {
	fmt.Fprintf(b, "\n## Action `%s`: %s\n\n%s\n\n", s.ID(a), a.Title, a.Description)
	fmt.Fprintf(b, "- Changes data elsewhere: %s\n- Accepts an idempotency key: %s\n", yesNo(a.SideEffects), yesNo(a.Idempotent))
	if len(a.Input) > 0 {
		b.WriteString("\n### Settings\n\n")
		writeFields(b, a.Input)
	}
	if a.Output != "" {
		fmt.Fprintf(b, "\n### Records\n\n%s\n", a.Output)
	}
}

func writeEndpoints(b *strings.Builder, endpoints []Endpoint) {
	if len(endpoints) == 0 {
		return
	}
	b.WriteString("\n## Hosts contacted\n\nPolicy reads the hosts this connector contacts from:\n\n")
	for _, e := range endpoints {
		where := "the connection setting"
		if e.Action != "" {
			where = "the setting of action " + e.Action
		}
		fmt.Fprintf(b, "- %s `%s` (%s)\n", where, e.Field, e.Format)
	}
}

// writeFields writes a table of fields, nested ones with dotted names.
func writeFields(b *strings.Builder, fields []Field) {
	b.WriteString("| Setting | Type | Required | Default | Description |\n|---|---|---|---|---|\n")
	for _, row := range flatten("", fields) {
		f := row.field
		fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s |\n", row.path, typeName(f), yesNo(f.Required), docValue(f.Default), cell(fieldHelp(f)))
	}
}

type fieldRow struct {
	path  string
	field Field
}

func flatten(prefix string, fields []Field) []fieldRow {
	var rows []fieldRow
	for _, f := range fields {
		path := join(prefix, f.Name)
		rows = append(rows, fieldRow{path, f})
		if f.Type == Object {
			rows = append(rows, flatten(path, f.Fields)...)
		}
	}
	return rows
}

// typeName is the type as the docs say it.
func typeName(f Field) string {
	switch {
	case f.Secret:
		return string(f.Type) + ", secret"
	case f.Type == List && f.Items != nil:
		return "list of " + typeName(*f.Items)
	case f.Type == Object && len(f.Fields) == 0 && f.Items != nil:
		return "object of " + typeName(*f.Items)
	}
	return string(f.Type)
}

func fieldHelp(f Field) string {
	help := f.Help
	if len(f.Enum) > 0 {
		help += " One of: " + strings.Join(f.Enum, ", ") + "."
	}
	if f.Example != nil {
		help += " Example: " + docValue(f.Example) + "."
	}
	if f.Since != "" {
		help += " Since " + f.Since + "."
	}
	return help
}

func docValue(v any) string {
	if v == nil {
		return ""
	}
	// Examples are shown as written: "<ann@example.com>", not "\u003c...".
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return "`" + strings.TrimSuffix(b.String(), "\n") + "`"
}

func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

package policy

import (
	"strings"

	"github.com/bistro-dev/bistro/internal/flow"
)

// Diagnostics turns the violations into flow diagnostics of the given
// severity, so that they are shown like validation problems: as warnings
// while a flow is edited (flow.SeverityWarning), as errors where they
// block (publish, run). A violation in a called flow is reported at the
// call step of doc.
func (r Report) Diagnostics(doc *flow.Document, sev flow.Severity) flow.Diagnostics {
	var lines []string
	if doc != nil {
		lines = strings.Split(string(doc.Source), "\n")
	}
	out := flow.Diagnostics{}
	for _, v := range r.Violations {
		loc := v.Location
		if v.Flow != "" {
			loc = r.callLocation(v)
		}
		d := flow.Diagnostic{File: loc.File, Line: loc.Line, Column: loc.Column, Path: loc.Path, Message: v.Message,
			Severity: sev, Hint: "see rule '" + v.Rule + "' of the data policy"}
		if d.Line > 0 && d.Line <= len(lines) {
			d.Excerpt = strings.TrimRight(lines[d.Line-1], "\r")
		}
		out = append(out, d)
	}
	out.Sort()
	return out
}

// callLocation is where the checked flow makes the call that leads to a
// violation in a called flow.
func (r Report) callLocation(v Violation) Location {
	for _, d := range r.Destinations {
		if d.Step == v.Step && d.Flow == v.Flow && len(d.CalledBy) > 0 {
			if call, ok := r.Destination(d.CalledBy[0]); ok {
				return call.Location
			}
		}
	}
	return Location{File: r.File}
}

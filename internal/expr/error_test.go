package expr

import (
	"errors"
	"testing"
)

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	allowed := []string{VarRecord, VarTrigger}
	tests := []struct {
		src     string
		kind    Kind
		column  int
		message string
		hint    string
	}{
		{`recrod.email`, KindUnknown, 1, "unknown name 'recrod'", "did you mean 'record'?"},
		{`lowr(record.a)`, KindUnknown, 1, "unknown function 'lowr'", "did you mean 'lower'?"},
		{`record.a + $env`, KindUnknown, 12, "unknown name '$env'", ""},
		{`__tick(1, 2)`, KindUnknown, 1, "unknown name '__tick'", ""},
		{`round()`, KindSyntax, 1, "round needs 1 to 2 values, but got 0", "use it as round(number, digits?)"},
		{`record.a +`, KindSyntax, 10, "the expression ends too early: something is missing at the end", ""},
		{`(record.a`, KindSyntax, 9, "the expression ends too early: something is missing at the end", ""},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(tt.src, allowed)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want *Error", err)
			}
			if e.Kind != tt.kind || e.Column != tt.column || e.Message != tt.message || e.Hint != tt.hint {
				t.Errorf("got {%s %d %q %q}, want {%s %d %q %q}", e.Kind, e.Column, e.Message, e.Hint,
					tt.kind, tt.column, tt.message, tt.hint)
			}
		})
	}
}

func TestTemplateErrorColumn(t *testing.T) {
	t.Parallel()
	_, err := ParseTemplate("Hi {{ recrod.name }}", []string{VarRecord})
	var e *Error
	if !errors.As(err, &e) || e.Column != 7 || e.Hint != "did you mean 'record'?" {
		t.Fatalf("got %#v", err)
	}
}

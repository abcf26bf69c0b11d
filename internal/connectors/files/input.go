package files

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/bistro-dev/bistro/connector"
)

func textOr(in map[string]any, key, def string) string {
	if s, ok := in[key].(string); ok && s != "" {
		return s
	}
	return def
}

func flag(in map[string]any, key string, def bool) bool {
	if b, ok := in[key].(bool); ok {
		return b
	}
	return def
}

// textList reads a list of names; values that are not text are written
// as text.
func textList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = cellText(e)
	}
	return out
}

func textMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	out := make(map[string]string, len(m))
	for k, e := range m {
		out[k] = cellText(e)
	}
	return out
}

// parseDelimiter reads a CSV delimiter setting: one character, or "tab".
func parseDelimiter(s string) (rune, error) {
	switch s {
	case "":
		return 0, nil
	case `\t`, "tab", "TAB", "\t":
		return '\t', nil
	}
	r, size := utf8.DecodeRuneInString(s)
	if size != len(s) || r == '"' || r == '\r' || r == '\n' || r == utf8.RuneError {
		return 0, connector.Permanent(fmt.Errorf("delimiter must be one character such as , ; | or tab, not '%s'", s))
	}
	return r, nil
}

// formatOf tells a file's format from its name; "" when it cannot.
func formatOf(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".csv", ".tsv", ".tab", ".txt":
		return "csv"
	case ".json":
		return "json"
	case ".jsonl", ".ndjson":
		return "jsonl"
	case ".xlsx", ".xlsm":
		return "xlsx"
	case ".xls":
		return "xls"
	}
	return ""
}

func isTSV(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".tsv" || ext == ".tab"
}

func chooseFormat(format string, src source) (string, error) {
	if format != "auto" && format != "" {
		return format, nil
	}
	switch src.format {
	case "":
		return "", connector.Permanent(fmt.Errorf("the format of %s cannot be told from its name; set format to csv, json, jsonl or xlsx", src.name))
	case "xls":
		return "", connector.Permanent(fmt.Errorf("%s is an old Excel file (.xls), which cannot be read; save it as .xlsx or .csv", src.name))
	}
	return src.format, nil
}

// contentSource is uploaded content: text, or an object as webhooks give
// uploaded files ({filename, content (base64)} or {base64, content_type}).
func contentSource(v any, format string) (source, error) {
	var data []byte
	name := "the uploaded content"
	switch v := v.(type) {
	case string:
		data = []byte(v)
		if format == "xlsx" {
			var err error
			if data, err = base64.StdEncoding.DecodeString(strings.TrimSpace(v)); err != nil {
				return source{}, connector.Permanent(errors.New("content: an XLSX file must be given as base64 text (as uploads are)"))
			}
		}
	case map[string]any:
		if n, ok := v["filename"].(string); ok && n != "" {
			name = path.Base(n)
		}
		b64, ok := v["content"].(string)
		if !ok {
			b64, ok = v["base64"].(string)
		}
		if !ok {
			return source{}, connector.Permanent(errors.New("content: the uploaded file has neither content nor base64; pass the file's whole object, such as trigger.body.file"))
		}
		var err error
		if data, err = base64.StdEncoding.DecodeString(b64); err != nil {
			return source{}, connector.Permanent(fmt.Errorf("content: %s is not valid base64", name))
		}
	default:
		return source{}, connector.Permanent(fmt.Errorf("content must be text or an uploaded file, not %T", v))
	}
	src := source{name: name, format: formatOf(name), open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
	if src.format == "" {
		src.format = sniffFormat(data)
	}
	return src, nil
}

// sniffFormat tells the format of content without a name from its first
// bytes: a zip archive is XLSX, [ or { starts JSON, anything else is CSV.
func sniffFormat(data []byte) string {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return "xlsx"
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")), " \t\r\n")
	if len(trimmed) > 0 && (trimmed[0] == '[' || trimmed[0] == '{') {
		return "json"
	}
	return "csv"
}

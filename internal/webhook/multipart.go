package webhook

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime/multipart"
)

// parseMultipart reads a multipart/form-data body into one map keyed by
// form field name: plain fields are text, files are objects with filename,
// content_type, size and content (base64). A name used more than once gives
// a list, as in forms and queries. The whole body is already in memory and
// under the limit, so no part can exceed it.
func parseMultipart(boundary string, raw []byte) (any, error) {
	if boundary == "" {
		return nil, badMultipart("it has no boundary in its Content-Type", nil)
	}
	mr := multipart.NewReader(bytes.NewReader(raw), boundary)
	fields := map[string][]any{}
	var order []string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, badMultipart("a part could not be read", err)
		}
		name := part.FormName()
		value, err := partValue(part)
		if err != nil {
			return nil, badMultipart("the part '"+name+"' could not be read", err)
		}
		if name == "" {
			continue // not a form field: nothing a flow could address it by
		}
		if _, ok := fields[name]; !ok {
			order = append(order, name)
		}
		fields[name] = append(fields[name], value)
	}
	out := make(map[string]any, len(order))
	for _, name := range order {
		if vs := fields[name]; len(vs) == 1 {
			out[name] = vs[0]
		} else {
			out[name] = vs
		}
	}
	return out, nil
}

func partValue(part *multipart.Part) (any, error) {
	content, err := io.ReadAll(part)
	if err != nil {
		return nil, err
	}
	if part.FileName() == "" {
		return text(content), nil
	}
	contentType := part.Header.Get("Content-Type")
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	return map[string]any{
		"filename":     part.FileName(),
		"content_type": contentType,
		"size":         len(content),
		"content":      base64.StdEncoding.EncodeToString(content),
	}, nil
}

func badMultipart(reason string, err error) *Error {
	return &Error{Kind: ErrBadBody, Code: CodeBadBody, Err: err,
		Message: "the multipart body is not valid: " + reason}
}

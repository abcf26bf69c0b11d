package email

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// attachment is one file of a message, read into memory.
type attachment struct {
	name        string
	contentType string
	data        []byte
}

func (a attachment) attach(m *gomail.Msg) {
	m.AttachReadSeeker(a.name, bytes.NewReader(a.data), gomail.WithFileContentType(gomail.ContentType(a.contentType)))
}

// readAttachments reads the attachments setting: a list of groups with
// content or file. Files must lie inside one of folders.
func readAttachments(v any, folders []string) ([]attachment, error) {
	if v == nil {
		return nil, nil
	}
	items, ok := v.([]any)
	if !ok {
		return nil, errors.New("attachments: give a list of attachments")
	}
	var out []attachment
	total := 0
	for i, item := range items {
		path := fmt.Sprintf("attachments[%d]", i)
		fields, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: give an attachment's name with its content or file", path)
		}
		a, err := readAttachment(path, fields, folders, maxAttachmentBytes-total)
		if err != nil {
			return nil, err
		}
		total += len(a.data)
		out = append(out, a)
	}
	return out, nil
}

// readAttachment reads one attachment, refusing more than budget bytes.
func readAttachment(path string, f map[string]any, folders []string, budget int) (attachment, error) {
	content, hasContent := f["content"].(string)
	file := strings.TrimSpace(text(f["file"]))
	a := attachment{name: strings.TrimSpace(text(f["name"]))}
	var err error
	switch {
	case hasContent && file != "":
		return a, fmt.Errorf("%s: give content or file, not both", path)
	case file != "":
		a.data, err = readFile(path, file, folders, budget)
		if a.name == "" {
			a.name = filepath.Base(file)
		}
	case hasContent:
		if a.name == "" {
			return a, fmt.Errorf("%s.name is required: the file name the recipient sees, e.g. invoice.pdf", path)
		}
		a.data, err = decodeContent(path, content, text(f["encoding"]), budget)
	default:
		return a, fmt.Errorf("%s: give the attachment's content or a file", path)
	}
	if err != nil {
		return a, err
	}
	if strings.ContainsAny(a.name, "\r\n\x00") {
		return a, fmt.Errorf("%s.name must be on one line", path)
	}
	a.contentType, err = contentType(path, text(f["content_type"]), a.name)
	return a, err
}

func decodeContent(path, content, encoding string, budget int) ([]byte, error) {
	var data []byte
	if encoding == "base64" {
		clean := strings.Join(strings.Fields(content), "")
		var err error
		if data, err = base64.StdEncoding.DecodeString(clean); err != nil {
			if data, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(clean, "=")); err != nil {
				return nil, fmt.Errorf("%s.content is not valid base64; set encoding to text when the content is plain text", path)
			}
		}
	} else {
		data = []byte(content)
	}
	if len(data) > budget {
		return nil, tooBig(path)
	}
	return data, nil
}

func contentType(path, given, name string) (string, error) {
	if strings.TrimSpace(given) == "" {
		if t := mime.TypeByExtension(filepath.Ext(name)); t != "" {
			return t, nil
		}
		return "application/octet-stream", nil
	}
	media, params, err := mime.ParseMediaType(given)
	if err != nil || !strings.Contains(media, "/") {
		return "", fmt.Errorf("%s.content_type: '%s' is not a content type such as application/pdf or text/csv", path, given)
	}
	return mime.FormatMediaType(media, params), nil
}

func tooBig(path string) error {
	return fmt.Errorf("%s: the attachments are larger than %d MB in all, more than mail servers take; send a link instead", path, maxAttachmentBytes>>20)
}

// readFile reads a file that must lie inside one of folders, symbolic
// links resolved: a link pointing out of the folder is refused.
func readFile(path, name string, folders []string, budget int) ([]byte, error) {
	if len(folders) == 0 {
		return nil, fmt.Errorf("%s.file: files cannot be attached because the admin allowed no folders", path)
	}
	root, rel, ok := locate(name, folders)
	if !ok || !insideAfterLinks(root, rel) {
		return nil, fmt.Errorf("%s.file: '%s' is outside the folders the admin allowed (%s)", path, name, strings.Join(folders, ", "))
	}
	// os.Root also refuses links out of the folder, so a link changed
	// after the check above cannot lead out either.
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("%s.file: cannot open the allowed folder %s: %w", path, root, plainPathError(err))
	}
	defer r.Close()
	f, err := r.Open(rel)
	if err != nil {
		return nil, fmt.Errorf("%s.file: cannot read '%s': %w", path, name, plainPathError(err))
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s.file: '%s' is not a file", path, name)
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(budget)+1))
	if err != nil {
		return nil, fmt.Errorf("%s.file: cannot read '%s': %w", path, name, plainPathError(err))
	}
	if len(data) > budget {
		return nil, tooBig(path)
	}
	return data, nil
}

// locate finds the allowed folder holding name: a relative name is in the
// first folder, an absolute one in any folder it lies under.
func locate(name string, folders []string) (root, rel string, ok bool) {
	if !filepath.IsAbs(name) {
		rel = filepath.Clean(name)
		return folders[0], rel, filepath.IsLocal(rel)
	}
	for _, folder := range folders {
		candidates := []string{folder}
		if real, err := filepath.EvalSymlinks(folder); err == nil {
			candidates = append(candidates, real)
		}
		for _, c := range candidates {
			if rel, err := filepath.Rel(c, name); err == nil && filepath.IsLocal(rel) {
				return folder, rel, true
			}
		}
	}
	return "", "", false
}

// insideAfterLinks reports whether root/rel, symbolic links resolved, is
// still inside root. A file that does not exist is left to the open, which
// says so.
func insideAfterLinks(root, rel string) bool {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return true
	}
	real, err := filepath.EvalSymlinks(filepath.Join(root, rel))
	if err != nil {
		return true
	}
	r, err := filepath.Rel(realRoot, real)
	return err == nil && filepath.IsLocal(r)
}

// plainPathError says what went wrong without repeating the full path.
func plainPathError(err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return errors.New("there is no such file")
	case errors.Is(err, os.ErrPermission):
		return errors.New("permission denied: the system does not let Bistro read it")
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/bistro-dev/bistro/connector"
)

// openFolder opens the connection's folder: a path inside one of the
// allowed folders, relative (to the first allowed folder where it exists)
// or absolute. Links are followed only as far as they stay inside. It
// returns the open folder and its path.
func openFolder(folder string, allowed []string) (*os.Root, string, error) {
	if len(allowed) == 0 {
		return nil, "", connector.Permanent(errors.New("no folder is allowed for files on this Bistro server; an admin must allow one before a files connection can be used"))
	}
	if folder == "" {
		folder = "."
	}
	if filepath.IsAbs(folder) {
		return openAbsolute(folder, allowed)
	}
	rel := filepath.Clean(filepath.FromSlash(folder))
	if rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, "", connector.Permanent(fmt.Errorf("the folder '%s' leads outside the allowed folders (%s), which is not allowed", folder, strings.Join(allowed, ", ")))
	}
	var firstErr error
	for _, a := range allowed {
		root, err := openInside(a, rel)
		if err == nil {
			return root, filepath.Join(a, rel), nil
		}
		if firstErr == nil || !errors.Is(err, fs.ErrNotExist) {
			firstErr = err
		}
	}
	return nil, "", folderError(folder, allowed, firstErr)
}

// openAbsolute opens a full path, after checking, links resolved, that it
// lies inside an allowed folder.
func openAbsolute(folder string, allowed []string) (*os.Root, string, error) {
	real, err := filepath.EvalSymlinks(folder)
	if err != nil {
		return nil, "", folderError(folder, allowed, err)
	}
	for _, a := range allowed {
		base, err := filepath.EvalSymlinks(a)
		if err != nil {
			continue
		}
		rel, err := filepath.Rel(base, real)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		root, err := openInside(base, rel)
		if err != nil {
			return nil, "", folderError(folder, allowed, err)
		}
		return root, real, nil
	}
	return nil, "", connector.Permanent(fmt.Errorf("the folder '%s' is outside the folders the admin allowed (%s); choose a folder inside one of them", folder, strings.Join(allowed, ", ")))
}

func openInside(base, rel string) (*os.Root, error) {
	parent, err := os.OpenRoot(base)
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	return parent.OpenRoot(rel)
}

func folderError(folder string, allowed []string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return connector.Permanent(fmt.Errorf("the folder '%s' does not exist in the allowed folders (%s); create it first", folder, strings.Join(allowed, ", ")))
	case escapes(err):
		return connector.Permanent(fmt.Errorf("the folder '%s' leads outside the allowed folders (through a link), which is not allowed", folder))
	case errors.Is(err, fs.ErrPermission):
		return connector.Permanent(fmt.Errorf("Bistro may not open the folder '%s' (permission denied)", folder))
	}
	return connector.Permanent(fmt.Errorf("the folder '%s' cannot be opened: %w", folder, err))
}

// escapes reports an os.Root refusal of a name that leads outside it.
func escapes(err error) bool {
	return err != nil && strings.Contains(err.Error(), "path escapes from parent")
}

// cleanPath checks a file name or pattern given in a step: it must stay
// inside the folder. It returns the name in slash form, cleaned.
func cleanPath(name string) (string, error) {
	if strings.TrimSpace(name) == "" {
		return "", connector.Permanent(errors.New("no file was given: set path to a file inside the connection's folder, such as orders.csv"))
	}
	if filepath.IsAbs(name) || strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`) || filepath.VolumeName(name) != "" {
		return "", connector.Permanent(fmt.Errorf("'%s' is a full path; give a path inside the connection's folder, such as orders.csv or in/orders.csv", name))
	}
	clean := path.Clean(filepath.ToSlash(name))
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", connector.Permanent(fmt.Errorf("'%s' leads outside the connection's folder (..), which is not allowed", name))
	}
	return clean, nil
}

// fileError words an error about the file name for the flow's owner.
func fileError(name string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return connector.Permanent(fmt.Errorf("there is no file '%s' in the connection's folder", name))
	case escapes(err):
		return connector.Permanent(fmt.Errorf("'%s' leads outside the connection's folder (through a link), which is not allowed", name))
	case errors.Is(err, fs.ErrPermission):
		return connector.Permanent(fmt.Errorf("Bistro may not use '%s' (permission denied)", name))
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s: %w", name, err)
}

// hasMeta reports whether name is a pattern rather than one file.
func hasMeta(name string) bool { return strings.ContainsAny(name, `*?[\`) }

// match returns the files (not folders) inside the folder that match a
// pattern, in name order.
func (c *conn) match(pattern string) ([]string, error) {
	clean, err := cleanPath(pattern)
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(c.root.FS(), clean)
	if err != nil {
		return nil, connector.Permanent(fmt.Errorf("the pattern '%s' is not valid: %w", pattern, err))
	}
	out := names[:0]
	for _, n := range names {
		info, err := c.root.Stat(filepath.FromSlash(n))
		if err == nil && info.Mode().IsRegular() {
			out = append(out, n)
		}
	}
	return out, nil
}

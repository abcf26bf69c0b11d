package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bistro-dev/bistro/connector"
)

// resolve finds the database file: a relative path inside the allowed
// folders (the first where the file exists, or the first folder when it
// is to be created), an absolute one as it is. Links and .. are resolved
// and the result must lie inside an allowed folder.
func resolve(path string, folders []string, create bool) (string, error) {
	if len(folders) == 0 {
		return "", connector.Permanent(errors.New("no folder is allowed for files on this Bistro server; an admin must allow one before an SQLite connection can be used"))
	}
	if path == "" {
		return "", connector.Permanent(errors.New("'path' is required: the database file"))
	}
	if strings.ContainsAny(path, "?\x00") {
		return "", connector.Permanent(fmt.Errorf("the path '%s' has a character a database file name cannot have here (? or NUL)", path))
	}
	candidates := []string{path}
	if !filepath.IsAbs(path) {
		candidates = candidates[:0]
		for _, f := range folders {
			candidates = append(candidates, filepath.Join(f, path))
		}
	}
	for _, c := range candidates {
		file, err := filepath.EvalSymlinks(filepath.Clean(c))
		if err == nil {
			return inside(path, file, folders)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", connector.Permanent(fmt.Errorf("cannot read the path '%s': %v", path, err))
		}
	}
	if !create {
		return "", connector.Permanent(fmt.Errorf("there is no database file at '%s'; check the path, or set create to make a new database", path))
	}
	file, err := realParent(candidates[0])
	if err != nil {
		return "", err
	}
	return inside(path, file, folders)
}

// realParent resolves the folder of a file that does not exist yet.
func realParent(path string) (string, error) {
	path = filepath.Clean(path)
	dir, err := filepath.EvalSymlinks(filepath.Dir(path))
	if err != nil {
		return "", connector.Permanent(fmt.Errorf("the folder of '%s' does not exist", path))
	}
	name := filepath.Base(path)
	if fi, err := os.Lstat(filepath.Join(dir, name)); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		// A dangling link: creating the file would write where it points.
		return "", connector.Permanent(fmt.Errorf("'%s' is a link to a file that does not exist", path))
	}
	return filepath.Join(dir, name), nil
}

// inside checks that file lies inside one of the allowed folders.
func inside(path, file string, folders []string) (string, error) {
	for _, f := range folders {
		base, err := filepath.EvalSymlinks(f)
		if err != nil {
			continue
		}
		rel, err := filepath.Rel(base, file)
		if err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return file, nil
		}
	}
	return "", connector.Permanent(fmt.Errorf("the database file '%s' is outside the folders an admin allowed (%s)", path, strings.Join(folders, ", ")))
}

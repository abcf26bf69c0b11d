package files

import (
	"context"
	"path/filepath"
	"time"
)

// list emits one record per file matching the pattern.
func (c *conn) list(ctx context.Context, in map[string]any, emit func(map[string]any) error) error {
	names, err := c.match(textOr(in, "pattern", "*"))
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		info, err := c.root.Stat(filepath.FromSlash(name))
		if err != nil {
			continue // removed since it was matched
		}
		rec := map[string]any{
			"name":     name,
			"size":     int(info.Size()),
			"modified": info.ModTime().UTC().Format(time.RFC3339),
		}
		if err := emit(rec); err != nil {
			return err
		}
	}
	return nil
}

package files

import (
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/bistro-dev/bistro/connector"
)

// change is a prepared change to one file, made visible by commit. It is
// either a whole new file written aside (tmp), renamed over the old one,
// or bytes written at an offset of the file (the end, or where a JSON
// list's closing bracket was), which undo can take back.
type change struct {
	root    *os.Root
	name    string
	tmp     string
	offset  int64
	data    []byte
	oldTail []byte // what was at offset before, up to the old end
	oldSize int64
	existed bool
}

// aside writes a whole new file next to name, to be renamed over it on
// commit; readers see the old file or the new one, never half of one.
func (c *conn) aside(name string, write func(io.Writer) error) (*change, error) {
	tmp := path.Join(path.Dir(name), "."+path.Base(name)+"."+rand.Text()[:12]+".tmp")
	f, err := c.root.OpenFile(filepath.FromSlash(tmp), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fileError(name, err)
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = c.root.Remove(filepath.FromSlash(tmp))
		if errors.Is(err, connector.ErrPermanent) {
			return nil, err
		}
		return nil, fileError(name, err)
	}
	return &change{root: c.root, name: name, tmp: tmp}, nil
}

func (c *conn) commit(ch *change) error {
	if ch.tmp != "" {
		return c.root.Rename(filepath.FromSlash(ch.tmp), filepath.FromSlash(ch.name))
	}
	f, err := c.root.OpenFile(filepath.FromSlash(ch.name), os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteAt(ch.data, ch.offset)
	if err == nil {
		err = f.Truncate(ch.offset + int64(len(ch.data)))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// undo takes back a committed change where it can: bytes written into a
// file are removed and what they covered is put back. A renamed file
// cannot be taken back.
func (c *conn) undo(ch *change) {
	name := filepath.FromSlash(ch.name)
	if ch.tmp != "" {
		_ = c.root.Remove(filepath.FromSlash(ch.tmp))
		return
	}
	if !ch.existed {
		_ = c.root.Remove(name)
		return
	}
	f, err := c.root.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		c.log.Error("could not undo a write", "file", ch.name, "error", err)
		return
	}
	defer f.Close()
	err = f.Truncate(ch.oldSize)
	if err == nil && len(ch.oldTail) > 0 {
		_, err = f.WriteAt(ch.oldTail, ch.offset)
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		c.log.Error("could not undo a write", "file", ch.name, "error", err)
	}
}

func discardAll(changes []*change) {
	for _, ch := range changes {
		ch.discard()
	}
}

// discard drops a change that was not committed.
func (ch *change) discard() {
	if ch.tmp != "" && ch.root != nil {
		_ = ch.root.Remove(filepath.FromSlash(ch.tmp))
	}
}

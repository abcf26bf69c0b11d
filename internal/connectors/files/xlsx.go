package files

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/bistro-dev/bistro/connector"
)

// An XLSX file is a zip archive; these limits keep a small file that
// unpacks to gigabytes (a zip bomb) from filling memory or disk.
const (
	maxXLSXFile     = 256 << 20 // the file itself
	maxXLSXUnzipped = 1 << 30   // everything it unpacks to
	maxXLSXInMemory = 16 << 20  // a sheet larger than this is unpacked to a temporary file
)

func xlsxOptions() excelize.Options {
	return excelize.Options{UnzipSizeLimit: maxXLSXUnzipped, UnzipXMLSizeLimit: maxXLSXInMemory}
}

// openXLSX opens a workbook. excelize needs the whole archive at hand (its
// directory is at the end); the sheets themselves are read as a stream.
func openXLSX(name string, r io.Reader) (*excelize.File, error) {
	if f, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if info, err := f.Stat(); err == nil && info.Size() > maxXLSXFile {
			return nil, connector.Permanent(fmt.Errorf("%s is larger than %d MB, more than an XLSX file may be here; save it as CSV instead", name, maxXLSXFile>>20))
		}
	}
	f, err := excelize.OpenReader(io.LimitReader(r, maxXLSXFile), xlsxOptions())
	if err != nil {
		return nil, xlsxError(name, err)
	}
	return f, nil
}

func xlsxError(name string, err error) error {
	switch {
	case errors.Is(err, zip.ErrFormat):
		return connector.Permanent(fmt.Errorf("%s is not an XLSX file (it is not a zip archive)", name))
	case strings.Contains(err.Error(), "unzip size"):
		return connector.Permanent(fmt.Errorf("%s unpacks to more than %d MB, more than an XLSX file may be here; save it as CSV instead", name, maxXLSXUnzipped>>20))
	}
	return connector.Permanent(fmt.Errorf("%s is not a valid XLSX file: %w", name, err))
}

// sheetName returns the sheet asked for, or the first one.
func sheetName(f *excelize.File, name, want string) (string, error) {
	list := f.GetSheetList()
	if want == "" {
		if len(list) == 0 {
			return "", connector.Permanent(fmt.Errorf("%s has no sheets", name))
		}
		return list[0], nil
	}
	if !slices.Contains(list, want) {
		return "", connector.Permanent(fmt.Errorf("%s has no sheet '%s'; its sheets are %s", name, want, strings.Join(list, ", ")))
	}
	return want, nil
}

// readXLSX emits the rows of a sheet as they are read. Empty rows are left
// out; the first row that is not empty is the header.
func (c *conn) readXLSX(ctx context.Context, name string, r io.Reader, o *readOptions, emit func(map[string]any) error) error {
	f, err := openXLSX(name, r)
	if err != nil {
		return err
	}
	defer f.Close()
	sheet, err := sheetName(f, name, o.sheet)
	if err != nil {
		return err
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return xlsxError(name, err)
	}
	defer rows.Close()
	t := &table{file: name, opts: o, emit: emit, log: c.log, lenient: true}
	for n := 1; rows.Next(); n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		values, err := rows.Columns()
		if err != nil {
			return xlsxError(name, err)
		}
		if allEmpty(values) {
			continue
		}
		if err := t.row(n, values); err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		return xlsxError(name, err)
	}
	skippedSummary(c.log, name, t.skipped)
	return nil
}

func allEmpty(values []string) bool {
	for _, v := range values {
		if v != "" {
			return false
		}
	}
	return true
}

package files

import (
	"encoding/json"
	"io"
	"path/filepath"
	"slices"

	"github.com/xuri/excelize/v2"
)

// prepareXLSX writes the workbook aside: a new one, or the existing one
// with the rows added after the sheet's last row. Either way the file is
// written whole (XLSX is a zip archive), so adding to a large workbook
// costs as much as writing it.
func (c *conn) prepareXLSX(j *writeJob) (*change, error) {
	if j.adding && j.exists && j.size > 0 {
		return c.appendXLSX(j)
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := j.sheet
	if sheet == "" {
		sheet = "Sheet1"
	}
	if sheet != "Sheet1" {
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			return nil, xlsxError(j.name, err)
		}
	}
	header, err := headerFor(j, nil)
	if err != nil {
		return nil, err
	}
	rows, err := cells(j, header)
	if err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, xlsxError(j.name, err)
	}
	if err := streamRows(sw, header, rows); err != nil {
		return nil, xlsxError(j.name, err)
	}
	return c.aside(j.name, func(w io.Writer) error { return f.Write(w) })
}

func streamRows(sw *excelize.StreamWriter, header []string, rows [][]any) error {
	if err := sw.SetRow("A1", anyList(header)); err != nil {
		return err
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, xlsxValues(r)); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// appendXLSX adds the rows after the sheet's last row, in the columns of
// its header row.
func (c *conn) appendXLSX(j *writeJob) (*change, error) {
	r, err := c.root.Open(filepath.FromSlash(j.name))
	if err != nil {
		return nil, fileError(j.name, err)
	}
	f, err := openXLSX(j.name, r)
	r.Close()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sheet, existing, last, err := xlsxTarget(f, j)
	if err != nil {
		return nil, err
	}
	header, err := headerFor(j, existing)
	if err != nil {
		return nil, err
	}
	rows, err := cells(j, header)
	if err != nil {
		return nil, err
	}
	if existing == nil {
		last++
		if err := setRow(f, sheet, last, anyList(header)); err != nil {
			return nil, xlsxError(j.name, err)
		}
	}
	for _, row := range rows {
		last++
		if err := setRow(f, sheet, last, xlsxValues(row)); err != nil {
			return nil, xlsxError(j.name, err)
		}
	}
	return c.aside(j.name, func(w io.Writer) error { return f.Write(w) })
}

// xlsxTarget finds the sheet to add to (creating it when missing), its
// header row and its last row that is not empty.
func xlsxTarget(f *excelize.File, j *writeJob) (sheet string, header []string, last int, err error) {
	sheet = j.sheet
	if sheet == "" {
		if sheet, err = sheetName(f, j.name, ""); err != nil {
			return "", nil, 0, err
		}
	}
	if !slices.Contains(f.GetSheetList(), sheet) {
		_, err := f.NewSheet(sheet)
		return sheet, nil, 0, xlsxErrorOrNil(j.name, err)
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return "", nil, 0, xlsxError(j.name, err)
	}
	defer rows.Close()
	for n := 1; rows.Next(); n++ {
		values, err := rows.Columns()
		if err != nil {
			return "", nil, 0, xlsxError(j.name, err)
		}
		if allEmpty(values) {
			continue
		}
		if header == nil {
			header = values
		}
		last = n
	}
	return sheet, header, last, xlsxErrorOrNil(j.name, rows.Error())
}

func xlsxErrorOrNil(name string, err error) error {
	if err == nil {
		return nil
	}
	return xlsxError(name, err)
}

func setRow(f *excelize.File, sheet string, n int, values []any) error {
	cell, err := excelize.CoordinatesToCellName(1, n)
	if err != nil {
		return err
	}
	return f.SetSheetRow(sheet, cell, &values)
}

func anyList(names []string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = n
	}
	return out
}

// xlsxValues keeps numbers, true/false and text as cells of their kind;
// lists and objects become JSON text.
func xlsxValues(row []any) []any {
	out := make([]any, len(row))
	for i, v := range row {
		switch v := v.(type) {
		case json.Number:
			if n, err := v.Int64(); err == nil {
				out[i] = n
			} else if f, err := v.Float64(); err == nil {
				out[i] = f
			} else {
				out[i] = v.String()
			}
		case map[string]any, []any:
			out[i] = cellText(v)
		default:
			out[i] = v
		}
	}
	return out
}

package importer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
)

// DecodeError is an error in a file's content. File names the file and
// Where the place in it: "row 7 (line 12)" of a CSV, "table T row 3" or
// "record 3" of Log Analytics JSON, "value[2]" of an API body, or "offset
// N" (bytes from the start) where there is no record to name, as in a JSON
// syntax error.
type DecodeError struct {
	File, Where string
	Err         error
}

func (e *DecodeError) Error() string { return e.File + ": " + e.Where + ": " + e.Err.Error() }

func (e *DecodeError) Unwrap() error { return e.Err }

// errAt is err as a DecodeError at where, keeping a DecodeError it wraps.
func errAt(where string, err error) error {
	var de *DecodeError
	if errors.As(err, &de) {
		return err
	}
	return &DecodeError{Where: where, Err: err}
}

// errAtf is errAt of a formatted error.
func errAtf(where, format string, args ...any) error {
	return &DecodeError{Where: where, Err: fmt.Errorf(format, args...)}
}

// decoded is a file being decoded: its bytes through a counter, so that an
// error with no record to name says where it is.
type decoded struct {
	*bufio.Reader
	count *countReader
}

// offset is how many bytes of the file were consumed.
func (d *decoded) offset() int64 { return d.count.n - int64(d.Buffered()) }

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// decode reads the records of one file of the given format from src and
// hands each to yield as soon as it is read, in file order; it returns
// warnings that did not stop it. A CSV is read record by record and JSON
// token by token, so that a file is never held whole: only the record at
// hand (one row of a Log Analytics table, one record, one incident with
// what it holds), and, for an API body, the entities listed so far (they
// become one carrier per incident at the end; see carrier). An error in
// the content is a *DecodeError naming the file (name) and where in it;
// an error of yield is returned as it is, given a DecodeError's File.
func decode(name string, src io.Reader, format Format, table, incident string, yield func(row) error) (notes []string, err error) {
	cr := &countReader{r: src}
	in := &decoded{Reader: bufio.NewReaderSize(cr, 64<<10), count: cr}
	if b, _ := in.Peek(3); string(b) == "\xef\xbb\xbf" {
		in.Discard(3)
	}
	switch format {
	case CSV:
		err = readCSV(in, table, yield)
	case LAJSON:
		err = readLAJSON(in, table, yield)
	case IncidentsJSON:
		notes, err = readAPIJSON(in, incident, yield)
	default:
		err = fmt.Errorf("unknown format %q", format)
	}
	if err == nil {
		return notes, nil
	}
	var tooLarge *TooLargeError
	if errors.As(err, &tooLarge) {
		return nil, tooLarge
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil, err
	}
	var de *DecodeError
	if !errors.As(err, &de) {
		de = &DecodeError{Where: fmt.Sprintf("offset %d", in.offset()), Err: err}
		err = de
	}
	if de.File == "" {
		de.File = name
	}
	return nil, err
}

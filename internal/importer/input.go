package importer

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
)

// DefaultMaxSize is the largest file Import reads when Options.MaxSize is 0.
const DefaultMaxSize int64 = 2 << 30

// TooLargeError is the error of a file larger than the import size limit,
// found before reading it or, for a file that grows, while reading it.
type TooLargeError struct {
	File  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than the import limit of %s (raise it with --max-size)", e.File, FormatSize(e.Limit))
}

// FormatSize writes a byte count in the largest binary unit that keeps it
// at least 1 ("2 GiB", "300 MiB", "512 B"), with one decimal when it is not
// whole.
func FormatSize(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	f, u := float64(n), 0
	for f >= 1024 && u < len(units)-1 {
		f /= 1024
		u++
	}
	if f == float64(int64(f)) {
		return fmt.Sprintf("%d %s", int64(f), units[u])
	}
	return fmt.Sprintf("%.1f %s", f, units[u])
}

// Progress is how far one pass over a file has gone: Pass is "checking"
// (reading and checking every record, nothing written yet) or "writing";
// Read counts the bytes read in this pass, of Total.
type Progress struct {
	File        string
	Pass        string
	Read, Total int64
}

// input is a file being imported: a regular file, read through the size
// limit, once per pass.
type input struct {
	f        *os.File
	fi       os.FileInfo
	name     string
	limit    int64
	pass     string
	n        int64     // bytes read in this pass
	sum      hash.Hash // of the bytes read in this pass
	progress func(Progress)
}

// openInput opens a file to import. What is not a regular file (a device
// such as /dev/zero, a FIFO, a directory, a socket) is refused before it is
// opened, and again on the opened file, as it may have been replaced in
// between; the file is opened so that even a FIFO does not block (see
// openFlags). A file larger than limit is refused at once.
func openInput(name string, limit int64, progress func(Progress)) (*input, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if err := regular(name, fi); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(name, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, err
	}
	if fi, err = f.Stat(); err != nil {
		f.Close()
		return nil, err
	}
	if err := regular(name, fi); err != nil {
		f.Close()
		return nil, err
	}
	if fi.Size() > limit {
		f.Close()
		return nil, &TooLargeError{File: name, Limit: limit}
	}
	return &input{f: f, fi: fi, name: name, limit: limit, progress: progress}, nil
}

// regular refuses what is not a regular file.
func regular(name string, fi os.FileInfo) error {
	m := fi.Mode()
	if m.IsRegular() {
		return nil
	}
	what := "not a regular file"
	switch {
	case m.IsDir():
		what = "a directory"
	case m&os.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case m&os.ModeSocket != 0:
		what = "a socket"
	case m&os.ModeDevice != 0:
		what = "a device"
	}
	return fmt.Errorf("%s is %s, not a file: import reads exported files only", name, what)
}

// start rewinds the file for a pass and returns a buffered reader of it.
func (in *input) start(pass string) (*bufio.Reader, error) {
	if _, err := in.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	in.pass, in.n, in.sum = pass, 0, sha256.New()
	in.report()
	return bufio.NewReaderSize(in, 64<<10), nil
}

// Read reads through the size limit, hashing what it reads.
func (in *input) Read(p []byte) (int, error) {
	if in.n > in.limit {
		return 0, &TooLargeError{File: in.name, Limit: in.limit}
	}
	if rest := in.limit + 1 - in.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := in.f.Read(p)
	in.n += int64(n)
	in.sum.Write(p[:n])
	if in.n > in.limit {
		return n, &TooLargeError{File: in.name, Limit: in.limit}
	}
	if n > 0 {
		in.report()
	}
	return n, err
}

func (in *input) report() {
	if in.progress != nil {
		in.progress(Progress{File: in.name, Pass: in.pass, Read: in.n, Total: max(in.fi.Size(), in.n)})
	}
}

// digest is the hash of the bytes read in this pass.
func (in *input) digest() []byte { return in.sum.Sum(nil) }

func (in *input) Close() error { return in.f.Close() }

// errChanged is the error of a file that changed between the passes.
var errChanged = errors.New("the file changed while it was being imported (nothing was written): import it again once it is complete")

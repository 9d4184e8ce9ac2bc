package render

import (
	"bufio"
	"encoding"
	"encoding/json"
	"io"
	"reflect"
	"slices"
	"strings"
)

// jsonIndent is the indent of every JSON document this package writes.
const jsonIndent = "  "

// jsonDepth is how deep streamJSON takes a value apart before it encodes
// the rest whole: a report, its lists (alerts, summaries...), and each
// item's fields. What is encoded whole is one field of one item.
const jsonDepth = 3

// streamJSON writes v as json.Encoder with SetIndent("", jsonIndent)
// does, byte for byte, but piece by piece: structs and slices are written
// field by field and element by element down to jsonDepth, so that a large
// report is never held whole in memory, and w gets it as it is encoded.
func streamJSON(w io.Writer, v any) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	if err := encodeJSON(bw, reflect.ValueOf(v), "", jsonDepth); err != nil {
		return err
	}
	bw.WriteByte('\n')
	return bw.Flush()
}

func encodeJSON(w *bufio.Writer, v reflect.Value, prefix string, depth int) error {
	if depth > 0 && v.IsValid() && !customJSON(v.Type()) {
		inner := prefix + jsonIndent
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				return encodeJSON(w, v.Elem(), prefix, depth)
			}
		case reflect.Struct:
			if fields, ok := plainFields(v.Type()); ok && len(fields) > 0 {
				fields = slices.DeleteFunc(fields, func(f jsonField) bool { return f.omitted(v.Field(f.index)) })
				if len(fields) == 0 {
					w.WriteString("{}")
					return nil
				}
				w.WriteString("{\n")
				for i, f := range fields {
					w.WriteString(inner)
					w.WriteString(f.key)
					w.WriteString(": ")
					if err := encodeJSON(w, v.Field(f.index), inner, depth-1); err != nil {
						return err
					}
					if i < len(fields)-1 {
						w.WriteByte(',')
					}
					w.WriteByte('\n')
				}
				w.WriteString(prefix)
				w.WriteByte('}')
				return nil
			}
		case reflect.Slice:
			if !v.IsNil() && v.Len() > 0 && v.Type().Elem().Kind() != reflect.Uint8 {
				w.WriteString("[\n")
				for i := range v.Len() {
					w.WriteString(inner)
					if err := encodeJSON(w, v.Index(i), inner, depth-1); err != nil {
						return err
					}
					if i < v.Len()-1 {
						w.WriteByte(',')
					}
					w.WriteByte('\n')
				}
				w.WriteString(prefix)
				w.WriteByte(']')
				return nil
			}
		}
	}
	var x any
	if v.IsValid() {
		x = v.Interface()
	}
	b, err := json.MarshalIndent(x, prefix, jsonIndent)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// customJSON reports whether t (or *t) encodes itself: such a value is
// encoded whole, as encoding/json would.
func customJSON(t reflect.Type) bool {
	jm := reflect.TypeFor[json.Marshaler]()
	tm := reflect.TypeFor[encoding.TextMarshaler]()
	pt := reflect.PointerTo(t)
	return t.Implements(jm) || t.Implements(tm) || pt.Implements(jm) || pt.Implements(tm)
}

type jsonField struct {
	key   string // the quoted name
	index int
	// omitEmpty and omitZero are the tag's options of those names.
	omitEmpty, omitZero bool
}

// omitted reports whether encoding/json leaves the field out, its value
// being v.
func (f jsonField) omitted(v reflect.Value) bool {
	if f.omitZero {
		if z, ok := v.Interface().(interface{ IsZero() bool }); ok {
			if (v.Kind() != reflect.Pointer && v.Kind() != reflect.Interface) || !v.IsNil() {
				return z.IsZero()
			}
			return true
		}
		if v.IsZero() {
			return true
		}
	}
	if !f.omitEmpty {
		return false
	}
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// plainFields returns the fields encoding/json writes of struct type t, in
// order, when each is written always under its tag's name or its own;
// false when one is not so plain (embedded, or with the string option),
// and the struct is encoded whole instead.
func plainFields(t reflect.Type) ([]jsonField, bool) {
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			return nil, false
		}
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		jf := jsonField{index: i}
		for o := range strings.SplitSeq(opts, ",") {
			switch o {
			case "":
			case "omitempty":
				jf.omitEmpty = true
			case "omitzero":
				jf.omitZero = true
			default:
				return nil, false
			}
		}
		if name == "" {
			name = f.Name
		}
		key, err := json.Marshal(name)
		if err != nil {
			return nil, false
		}
		jf.key = string(key)
		out = append(out, jf)
	}
	return out, true
}

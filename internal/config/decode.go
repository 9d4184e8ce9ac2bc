package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is a problem in a configuration file: which file, which line and
// which setting. Load returns them (joined, when there are several) for
// triage.yaml; msticpyconfig.yaml only gives warnings, except when it is not
// YAML at all.
type Error struct {
	File string // the file's path
	Line int    // 1-based; 0 when not known
	Key  string // the setting, e.g. providers.virustotal.api_key; "" for the file
	Err  error
}

// Error returns "file:line: key: problem".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		b.WriteString(": " + e.Key)
	}
	b.WriteString(": " + e.Err.Error())
	return b.String()
}

// Unwrap returns the problem.
func (e *Error) Unwrap() error { return e.Err }

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// parseYAML parses data into its document node. An empty file gives nil.
func parseYAML(file string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := err.Error()
		line := 0
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
			if strings.HasPrefix(msg, "did not find expected") {
				// yaml.v3 gives parser errors the 0-based line where the
				// enclosing block or flow collection starts.
				line++
				msg = "in the block starting here, " + msg
			}
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		return nil, &Error{File: file, Line: line, Err: fmt.Errorf("not valid YAML: %s", msg)}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: file, Line: root.Line, Err: fmt.Errorf("want a mapping of settings at the top, got %s", describe(root))}
	}
	return root, nil
}

// decoder decodes a YAML node tree into the file structs strictly: an
// unknown or repeated key, or a value of the wrong shape, is an Error naming
// the file, the line and the setting's path. It records the line of every
// setting it sees, for later checks. Types implementing yaml.Unmarshaler
// decode themselves; types with setOrigin learn where they were set; structs
// with an Origins field get their own position appended.
type decoder struct {
	file  string
	lines map[string]int
	errs  []error
}

type originSetter interface{ setOrigin(Origin) }

var (
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	originsType     = reflect.TypeFor[[]Origin]()
)

func (d *decoder) errorf(line int, key, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Key: key, Err: fmt.Errorf(format, args...)})
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, key string, line int) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if isNull(n) {
		return
	}
	if reflect.PointerTo(v.Type()).Implements(unmarshalerType) {
		if err := v.Addr().Interface().(yaml.Unmarshaler).UnmarshalYAML(n); err != nil {
			d.errorf(n.Line, key, "%v", err)
		}
		if o, ok := v.Addr().Interface().(originSetter); ok {
			o.setOrigin(Origin{File: d.file, Line: line, Key: key})
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		nv := reflect.New(v.Type().Elem())
		d.decode(n, nv.Elem(), key, line)
		v.Set(nv)
	case reflect.Struct:
		d.decodeStruct(n, v, key, line)
	case reflect.Map:
		d.decodeMap(n, v, key)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n.Line, key, "want a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), 0, len(n.Content))
		for i, item := range n.Content {
			e := reflect.New(v.Type().Elem()).Elem()
			d.decode(item, e, fmt.Sprintf("%s[%d]", key, i), item.Line)
			s = reflect.Append(s, e)
		}
		v.Set(s)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.errorf(n.Line, key, "want a string, got %s", describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
			d.errorf(n.Line, key, "want true or false, got %s", describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Int:
		var i int
		if n.Kind != yaml.ScalarNode || n.Decode(&i) != nil {
			d.errorf(n.Line, key, "want a whole number, got %s", describe(n))
			return
		}
		v.SetInt(int64(i))
	default:
		d.errorf(n.Line, key, "cannot decode into %s", v.Type())
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, key string, line int) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, key, "want a mapping of settings, got %s", describe(n))
		return
	}
	fields := map[string]int{}
	origins := -1
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.Type == originsType && f.Name == "Origins" {
			origins = i
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			fields[name] = i
		}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		sub := joinKey(key, k.Value)
		if k.Kind != yaml.ScalarNode {
			d.errorf(k.Line, key, "want a plain key, got %s", describe(k))
			continue
		}
		if prev, dup := seen[k.Value]; dup {
			d.errorf(k.Line, sub, "set twice (first on line %d)", prev)
			continue
		}
		seen[k.Value] = k.Line
		fi, ok := fields[k.Value]
		if !ok {
			d.errorf(k.Line, sub, "unknown key%s", suggest(k.Value, sortedKeys(fields)))
			continue
		}
		d.lines[sub] = k.Line
		d.decode(val, v.Field(fi), sub, k.Line)
	}
	if origins >= 0 {
		f := v.Field(origins)
		f.Set(reflect.Append(f, reflect.ValueOf(Origin{File: d.file, Line: line, Key: key})))
	}
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, key string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, key, "want a mapping, got %s", describe(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	et := v.Type().Elem()
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || isNull(k) || k.Value == "" {
			d.errorf(k.Line, key, "want a name as key, got %s", describe(k))
			continue
		}
		sub := joinKey(key, k.Value)
		if prev, dup := seen[k.Value]; dup {
			d.errorf(k.Line, sub, "set twice (first on line %d)", prev)
			continue
		}
		seen[k.Value] = k.Line
		d.lines[sub] = k.Line
		e := reflect.New(et).Elem()
		if isNull(val) && et.Kind() == reflect.Pointer && et.Elem().Kind() == reflect.Struct {
			// "tor:" with nothing after it configures tor with defaults.
			val = &yaml.Node{Kind: yaml.MappingNode, Line: val.Line, Column: val.Column}
		}
		d.decode(val, e, sub, k.Line)
		v.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), e)
	}
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func joinKey(parent, k string) string {
	if parent == "" {
		return k
	}
	return parent + "." + k
}

// describe names a node's shape for an error message without its value.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!str":
			return "a string"
		case "!!int":
			return "a number"
		case "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!null":
			return "nothing"
		}
		return "a " + strings.TrimPrefix(n.Tag, "!!")
	}
	return "something else"
}

// suggest returns ` (did you mean "x"?)` for the nearest known key, or the
// list of known keys.
func suggest(k string, known []string) string {
	best, bestD := "", 3
	for _, c := range known {
		if d := editDistance(strings.ToLower(k), c); d < bestD {
			best, bestD = c, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return " (known keys: " + strings.Join(known, ", ") + ")"
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// joinErrors sorts file errors by file and line and joins them.
func joinErrors(errs []error) error {
	sort.SliceStable(errs, func(i, j int) bool {
		var a, b *Error
		if !errors.As(errs[i], &a) || !errors.As(errs[j], &b) {
			return false
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Key < b.Key
	})
	return errors.Join(errs...)
}

// refValue returns the addressable value p points to.
func refValue(p any) reflect.Value { return reflect.ValueOf(p).Elem() }

package mcpserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// DefaultMaxOutput is the size, in bytes of JSON, a tool's output is cut
// to unless the server is told otherwise: a model's context is the scarce
// thing, and a whole report of a large incident would fill it.
const DefaultMaxOutput = 256 << 10

// Cut says what Bound left out of one list: the path of the list in the
// output ("summaries[0].sections"), how many items it kept and how many it
// left out.
type Cut struct {
	Path    string `json:"path"`
	Kept    int    `json:"kept"`
	LeftOut int    `json:"left_out"`
}

// Truncated is what an output cut by Bound says of the cut, under the key
// "truncated".
type Truncated struct {
	MaxBytes  int   `json:"max_bytes"`
	FullBytes int   `json:"full_bytes"`
	Cuts      []Cut `json:"cuts"`
}

// Bound returns the JSON object out, at most max bytes long (max <= 0: no
// bound). When out is longer, the largest list in it is halved, and again,
// until it fits, and the object gets a "truncated" member that says which
// lists lost how many items; an object that still does not fit once every
// list is empty (long strings) is replaced by one saying so. Items are cut
// from the end of each list: the lists of reports put what matters most
// first. out must be a JSON object.
func Bound(out []byte, max int) ([]byte, error) {
	if max <= 0 || len(out) <= max {
		return out, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber() // numbers stay as written
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("bound output: %w", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("bound output: want a JSON object, got %T", v)
	}
	tr := &Truncated{MaxBytes: max, FullBytes: len(out)}
	cuts := map[string]*Cut{}
	for {
		obj["truncated"] = tr
		b, err := json.Marshal(obj)
		if err != nil {
			return nil, fmt.Errorf("bound output: %w", err)
		}
		if len(b) <= max {
			return b, nil
		}
		path, arr, parent, key := largestList(obj)
		if arr == nil {
			// Nothing left to halve: the bulk is in strings.
			b, err := json.Marshal(map[string]any{"truncated": tr, "error": fmt.Sprintf(
				"the output (%d bytes) does not fit in %d bytes even with every list emptied; ask for less (fewer sections, a narrower window)", len(out), max)})
			return b, err
		}
		keep := len(arr) / 2
		c := cuts[path]
		if c == nil {
			c = &Cut{Path: path}
			cuts[path] = c
		}
		c.LeftOut += len(arr) - keep
		c.Kept = keep
		set(parent, key, arr[:keep])
		tr.Cuts = tr.Cuts[:0]
		for _, p := range slices.Sorted(maps.Keys(cuts)) {
			tr.Cuts = append(tr.Cuts, *cuts[p])
		}
	}
}

// largestList finds, under v, the non-empty list whose JSON is longest,
// with its path, and the container and key (a string or an int) that hold
// it. The "truncated" member is not searched.
func largestList(v any) (path string, arr []any, parent any, key any) {
	best := -1
	var walk func(v any, path string, parent any, key any)
	walk = func(v any, p string, par any, k any) {
		switch x := v.(type) {
		case map[string]any:
			for name, c := range x {
				if par == nil && name == "truncated" {
					continue
				}
				walk(c, join(p, name), x, name)
			}
		case []any:
			if len(x) > 0 && par != nil {
				if n := size(x); n > best {
					best, path, arr, parent, key = n, p, x, par, k
				}
			}
			for i, c := range x {
				walk(c, p+"["+strconv.Itoa(i)+"]", x, i)
			}
		}
	}
	walk(v, "", nil, nil)
	return
}

func join(p, name string) string {
	if p == "" {
		return name
	}
	return p + "." + name
}

func size(v any) int {
	b, _ := json.Marshal(v)
	return len(b)
}

func set(parent any, key any, v []any) {
	switch p := parent.(type) {
	case map[string]any:
		p[key.(string)] = v
	case []any:
		p[key.(int)] = v
	}
}

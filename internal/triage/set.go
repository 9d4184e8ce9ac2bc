package triage

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Set accumulates the entities of an incident, merging those with the same
// Key. The zero Set is not usable; call NewSet. A Set is not safe for
// concurrent use.
type Set struct {
	byKey map[string]int
	ents  []Entity
	names map[string]string // key -> unique display name; nil when stale
}

// NewSet returns an empty Set.
func NewSet() *Set {
	return &Set{byKey: make(map[string]int)}
}

// Add adds e, merging it into the entity with the same Key if there is one:
// properties are unioned with the first value winning on conflict, links and
// alert ids are unioned without duplicates, and the first name is kept. An
// entity without a Key is keyed by its kind and a hash of its properties. Add
// copies e's maps and slices and returns its key.
func (s *Set) Add(e Entity) string {
	if e.Kind == "" {
		e.Kind = "Unknown"
	}
	if e.Key == "" {
		e.Key = fallbackKey(e.Kind, e.Properties)
	}
	if e.Name == "" {
		e.Name = displayName(e.Kind, e.Key, e.Properties, nil)
	}
	s.names = nil
	if i, ok := s.byKey[e.Key]; ok {
		mergeEntity(&s.ents[i], e)
		return e.Key
	}
	c := Entity{Kind: e.Kind, Key: e.Key, Name: e.Name, Properties: make(map[string]any, len(e.Properties))}
	mergeEntity(&c, e)
	s.byKey[e.Key] = len(s.ents)
	s.ents = append(s.ents, c)
	return e.Key
}

// Len returns the number of distinct entities.
func (s *Set) Len() int { return len(s.ents) }

// Get returns the merged entity with the given key, with its unique display
// name as Entities gives it.
func (s *Set) Get(key string) (Entity, bool) {
	i, ok := s.byKey[key]
	if !ok {
		return Entity{}, false
	}
	e := copyEntity(s.ents[i])
	e.Name = s.uniqueNames()[key]
	return e, true
}

// Entities returns copies of the merged entities ordered by kind (the order of
// KnownKinds, then unknown kinds by name), then by name, then by key. Display
// names are made unique within the set, compared without regard to case:
// entities that would share a name get a suffix taken from their key,
// "SecurityGroup (S-1-5-32-544)", or failing that a short hash of it.
func (s *Set) Entities() []Entity {
	names := s.uniqueNames()
	out := make([]Entity, len(s.ents))
	for i, e := range s.ents {
		out[i] = copyEntity(e)
		out[i].Name = names[e.Key]
	}
	sortEntities(out)
	return out
}

// sortEntities orders entities by kind, name and key.
func sortEntities(es []Entity) {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if ra, rb := kindRank(a.Kind), kindRank(b.Kind); ra != rb {
			return ra < rb
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if la, lb := strings.ToLower(a.Name), strings.ToLower(b.Name); la != lb {
			return la < lb
		}
		return a.Key < b.Key
	})
}

// uniqueNames computes (once per change) a display name per key such that no
// two entities share one.
func (s *Set) uniqueNames() map[string]string {
	if s.names != nil {
		return s.names
	}
	es := make([]Entity, len(s.ents))
	copy(es, s.ents)
	sortEntities(es)
	names := make(map[string]string, len(es))
	count := make(map[string]int, len(es))
	for _, e := range es {
		count[strings.ToLower(e.Name)]++
	}
	used := make(map[string]bool, len(es))
	// Entities whose name is unique keep it.
	for _, e := range es {
		if count[strings.ToLower(e.Name)] == 1 {
			names[e.Key] = e.Name
			used[strings.ToLower(e.Name)] = true
		}
	}
	// The others get a suffix from their key, or a hash of it, or a counter.
	for _, e := range es {
		if _, done := names[e.Key]; done {
			continue
		}
		candidates := []string{
			e.Name + " (" + keySuffix(e) + ")",
			e.Name + " (#" + shortHash(e.Key, 8) + ")",
		}
		name := ""
		for _, c := range candidates {
			if !used[strings.ToLower(c)] {
				name = c
				break
			}
		}
		for n := 2; name == ""; n++ {
			if c := e.Name + " (#" + shortHash(e.Key, 8) + "-" + strconv.Itoa(n) + ")"; !used[strings.ToLower(c)] {
				name = c
			}
		}
		names[e.Key] = name
		used[strings.ToLower(name)] = true
	}
	s.names = names
	return names
}

// keySuffix is a short readable text that tells an entity from others of the
// same name: a file's directory, a process's creation time or image path, a
// logon session's start time, else the key's value (shortened from the left
// when long).
func keySuffix(e Entity) string {
	v := ""
	switch e.Kind {
	case KindFile:
		v = e.Prop("directory")
	case KindProcess:
		if v = e.Prop("creationTimeUtc"); v == "" {
			for _, l := range e.Links {
				if l.Rel == relImageFile {
					v = keyValue(KindFile, l.Key)
					break
				}
			}
		}
	case KindLogonSession:
		v = e.Prop("startTimeUtc")
	}
	if strings.TrimSpace(v) == "" {
		v = keyValue(e.Kind, e.Key)
	}
	if n := utf8.RuneCountInString(v); n > 40 {
		v = "..." + string([]rune(v)[n-37:])
	}
	return v
}

// copyEntity copies e's map and slices (not nested property values).
func copyEntity(e Entity) Entity {
	c := e
	if e.Properties != nil {
		c.Properties = make(map[string]any, len(e.Properties))
		for k, v := range e.Properties {
			c.Properties[k] = v
		}
	}
	c.Links = append([]Link(nil), e.Links...)
	c.Alerts = append([]string(nil), e.Alerts...)
	return c
}

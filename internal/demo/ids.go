package demo

import (
	"math/rand/v2"
	"strconv"
)

// DefaultSeed is the seed used when Options.Seed is 0.
const DefaultSeed uint64 = 0x7472_6961_6765_2d31 // "triage-1"

// ids derives every identifier of the demo (GUIDs, device ids, random
// streams) from the seed and a label, so the same seed always yields the same
// workspace and different labels never share a stream.
type ids struct{ seed uint64 }

// mix64 is the SplitMix64 finaliser: a cheap, well-distributed 64-bit mix.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// hashString is 64-bit FNV-1a.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// guid returns the GUID named by label ("incident/117", "alert/117/2").
func (d ids) guid(label string) string {
	h := hashString(label)
	return formatGUID(mix64(d.seed^h), mix64(h+mix64(d.seed)))
}

// hex returns n lower-case hex digits named by label (MDE device ids are 40).
func (d ids) hex(label string, n int) string {
	h := hashString(label)
	b := make([]byte, 0, n+16)
	for i := uint64(0); len(b) < n; i++ {
		b = appendHex(b, mix64(d.seed^h^mix64(i)), 16)
	}
	return string(b[:n])
}

// num returns a number in [0, n) named by label.
func (d ids) num(label string, n int64) int64 {
	return int64(mix64(d.seed^hashString(label)) % uint64(n))
}

// rng returns the PCG stream named by label.
func (d ids) rng(label string) *rand.Rand {
	return rand.New(rand.NewPCG(d.seed, hashString(label)))
}

// randGUID draws a GUID from r.
func randGUID(r *rand.Rand) string { return formatGUID(r.Uint64(), r.Uint64()) }

const hexDigits = "0123456789abcdef"

// formatGUID formats 128 bits as a version-4, RFC 4122 variant GUID.
func formatGUID(hi, lo uint64) string {
	hi = hi&^0xf000 | 0x4000
	lo = lo&^(0xc<<60) | 0x8<<60
	var b [36]byte
	pos := 0
	put := func(v uint64, shift, digits int) {
		for i := digits - 1; i >= 0; i-- {
			b[pos] = hexDigits[(v>>(uint(shift)+uint(i)*4))&0xf]
			pos++
		}
	}
	put(hi, 32, 8)
	b[pos] = '-'
	pos++
	put(hi, 16, 4)
	b[pos] = '-'
	pos++
	put(hi, 0, 4)
	b[pos] = '-'
	pos++
	put(lo, 48, 4)
	b[pos] = '-'
	pos++
	put(lo, 0, 12)
	return string(b[:])
}

// appendHex appends the low digits hex digits of v.
func appendHex(b []byte, v uint64, digits int) []byte {
	for i := digits - 1; i >= 0; i-- {
		b = append(b, hexDigits[(v>>(uint(i)*4))&0xf])
	}
	return b
}

// randHex draws n hex digits from r.
func randHex(r *rand.Rand, n int) string {
	b := make([]byte, 0, n+16)
	for len(b) < n {
		b = appendHex(b, r.Uint64(), 16)
	}
	return string(b[:n])
}

// hexID formats a Windows-style hexadecimal id ("0x1f4c").
func hexID(v int64) string { return "0x" + strconv.FormatInt(v, 16) }

package cli

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
)

// serveTokenEnv names the environment variable that gives `serve` its
// token, for a server whose address should stay the same across restarts.
const serveTokenEnv = "TRIAGE_SERVE_TOKEN"

// minServeToken is the shortest token `serve` takes from the environment:
// shorter ones could be guessed.
const minServeToken = 16

// serveToken returns the token the web UI asks for: the one in
// TRIAGE_SERVE_TOKEN, else, off loopback, a new random one (generated),
// else "" (none asked for).
func serveToken(getenv func(string) string, loopback bool) (token string, generated bool, err error) {
	if getenv != nil {
		if t := getenv(serveTokenEnv); t != "" {
			if len(t) < minServeToken {
				return "", false, fmt.Errorf("%s is %d characters long: give it at least %d (e.g. openssl rand -hex 24)", serveTokenEnv, len(t), minServeToken)
			}
			return t, false, nil
		}
	}
	if loopback {
		return "", false, nil
	}
	b := make([]byte, 24) // 192 bits, as Jupyter's
	rand.Read(b)
	return hex.EncodeToString(b), true, nil
}

// serveTLS loads the certificate and key given with --tls-cert and
// --tls-key; both or neither (nil: plain HTTP).
func serveTLS(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, &FlagError{errors.New("--tls-cert and --tls-key go together: give both, or neither for plain HTTP")}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, &FlagError{fmt.Errorf("--tls-cert %s, --tls-key %s: %w", certFile, keyFile, err)}
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// browserURL is the address a browser opens to reach a server listening on
// addr: the address itself, or for an unspecified one (0.0.0.0, [::]) one
// of this machine's network addresses, else loopback. Never a name: the
// server answers to addresses only (against DNS rebinding).
func browserURL(addr *net.TCPAddr, https bool) string {
	scheme := "http"
	if https {
		scheme = "https"
	}
	ip := addr.IP
	if ip.IsUnspecified() {
		ip = machineIP(ip.To4() == nil)
	}
	return scheme + "://" + net.JoinHostPort(ip.String(), strconv.Itoa(addr.Port)) + "/"
}

// machineIP returns an address other machines may reach this one at: its
// first global unicast IPv4 address (an IPv6 one only when v6 and there is
// no IPv4), else loopback.
func machineIP(v6 bool) net.IP {
	var first6 net.IP
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			n, ok := a.(*net.IPNet)
			if !ok || !n.IP.IsGlobalUnicast() {
				continue
			}
			if n.IP.To4() != nil {
				return n.IP
			}
			if first6 == nil {
				first6 = n.IP
			}
		}
	}
	switch {
	case v6 && first6 != nil:
		return first6
	case v6:
		return net.IPv6loopback
	}
	return net.IPv4(127, 0, 0, 1)
}

package sqlsource

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// redactor removes a DSN's secrets from error text.
type redactor struct {
	secrets []string // longest first
}

var (
	kvPasswordRE    = regexp.MustCompile(`(?i)password\s*=\s*('(?:[^'\\]|\\.)*'|[^\s]+)`)
	mysqlPasswordRE = regexp.MustCompile(`^[^:@/]*:(.*)@`)
)

// newRedactor finds the password in dsn (URL, key=value or MySQL form).
func newRedactor(driver, dsn string) redactor {
	var pw []string
	if driver == "mysql" {
		if cfg, err := mysql.ParseDSN(dsn); err == nil {
			pw = append(pw, cfg.Passwd)
		} else if m := mysqlPasswordRE.FindStringSubmatch(dsn); m != nil {
			pw = append(pw, m[1])
		}
	}
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		p, _ := u.User.Password()
		pw = append(pw, p)
	} else if i := strings.Index(dsn, "://"); i >= 0 {
		// Unparsable URL: take what sits between user: and the last @.
		rest := dsn[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if c := strings.Index(rest[:at], ":"); c >= 0 {
				pw = append(pw, rest[c+1:at])
			}
		}
	}
	if u, err := url.Parse(dsn); err == nil {
		pw = append(pw, u.Query().Get("password"))
	}
	for _, m := range kvPasswordRE.FindAllStringSubmatch(dsn, -1) {
		pw = append(pw, m[1], strings.Trim(m[1], "'"))
	}
	r := redactor{}
	add := func(s string) {
		if s == "" {
			return
		}
		for _, x := range r.secrets {
			if x == s {
				return
			}
		}
		r.secrets = append(r.secrets, s)
	}
	add(dsn)
	for _, p := range pw {
		add(p)
		add(url.QueryEscape(p))
		add(url.PathEscape(p))
		add(url.UserPassword("u", p).String()[2:])
	}
	// Replace longer secrets first so a password inside the DSN text does
	// not break the DSN's own replacement.
	for i := 1; i < len(r.secrets); i++ {
		for j := i; j > 0 && len(r.secrets[j]) > len(r.secrets[j-1]); j-- {
			r.secrets[j], r.secrets[j-1] = r.secrets[j-1], r.secrets[j]
		}
	}
	return r
}

// text returns s with every secret replaced.
func (r redactor) text(s string) string {
	for _, x := range r.secrets {
		s = strings.ReplaceAll(s, x, "xxxxx")
	}
	return s
}

// err returns err with secrets removed from its text; errors.Is and
// errors.As still see the original chain.
func (r redactor) err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := r.text(msg)
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

// redactedError is an error whose text had secrets removed.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

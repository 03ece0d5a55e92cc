package identity

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// foldRunes maps accented Latin letters to ASCII so that "Müller",
// "Muller" and "MÜLLER" normalise alike.
var foldRunes = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'æ': "ae", 'ā': "a", 'ą': "a", 'ă': "a",
	'ç': "c", 'ć': "c", 'č': "c", 'ď': "d", 'đ': "d", 'ð': "d",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ę': "e", 'ě': "e", 'ė': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ī': "i", 'ı': "i", 'ł': "l", 'ľ': "l", 'ĺ': "l",
	'ñ': "n", 'ń': "n", 'ň': "n", 'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ő': "o",
	'œ': "oe", 'ŕ': "r", 'ř': "r", 'ś': "s", 'š': "s", 'ş': "s", 'ș': "s", 'ß': "ss", 'ť': "t", 'ţ': "t", 'ț': "t",
	'þ': "th", 'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ū': "u", 'ů': "u", 'ű': "u", 'ý': "y", 'ÿ': "y",
	'ź': "z", 'ż': "z", 'ž': "z",
}

// legalSuffixes are legal-form tokens (after dots are removed and
// punctuation split) stripped from the end of a name.
var legalSuffixes = map[string]bool{
	"gmbh": true, "mbh": true, "ag": true, "kg": true, "kgaa": true, "ohg": true, "ug": true, "ev": true,
	"co": true, "cie": true, "inc": true, "incorporated": true, "llc": true, "llp": true, "lp": true,
	"ltd": true, "limited": true, "plc": true, "corp": true, "corporation": true, "company": true,
	"sa": true, "sas": true, "sasu": true, "sarl": true, "eurl": true, "sl": true, "slu": true, "srl": true,
	"spa": true, "sapa": true, "snc": true, "bv": true, "nv": true, "vof": true, "ab": true, "as": true,
	"asa": true, "aps": true, "oy": true, "oyj": true, "dac": true, "sp": true, "z": true, "oo": true,
	"zoo": true, "pty": true, "se": true, "sagl": true, "kft": true, "sro": true,
}

// stopTokens carry no identity: connectives and articles.
var stopTokens = map[string]bool{"and": true, "und": true, "et": true, "y": true, "e": true, "the": true}

// NormalizeName returns the matching form of a company name: lower case
// ASCII, accents folded, punctuation removed, connectives ("&", "and",
// "und") and trailing legal-form suffixes (GmbH, Inc., S.A., B.V., …)
// dropped, tokens separated by one space. A name made only of a suffix
// keeps it, so that "AG" does not become empty.
func NormalizeName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			c := byte(r)
			switch {
			case c >= 'A' && c <= 'Z':
				b.WriteByte(c + 'a' - 'A')
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
				b.WriteByte(c)
			case c == '.' || c == '\'' || c == '/':
				// "S.A." → "sa", "O'Neil" → "oneil", "A/S" → "as"
			default:
				b.WriteByte(' ')
			}
		default:
			r = unicode.ToLower(r)
			if f, ok := foldRunes[r]; ok {
				b.WriteString(f)
			} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
				b.WriteRune(r)
			} else {
				b.WriteByte(' ')
			}
		}
	}
	toks := strings.Fields(b.String())
	out := toks[:0]
	for _, t := range toks {
		if !stopTokens[t] {
			out = append(out, t)
		}
	}
	for len(out) > 1 && legalSuffixes[out[len(out)-1]] {
		out = out[:len(out)-1]
	}
	return strings.Join(out, " ")
}

// NormalizeTaxID returns a tax/VAT id as "CC:DIGITS": upper case, spaces
// and punctuation removed, the two-letter country prefix split off (or,
// without one, the record's country used). "DE 123.456.789", "de123456789"
// and "123456789" for a German customer all give "DE:123456789". It
// returns "" for an empty or too short id.
func NormalizeTaxID(s, country string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			b = append(b, c-'a'+'A')
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b = append(b, c)
		}
	}
	cc := strings.ToUpper(strings.TrimSpace(country))
	if len(b) >= 2 && isLetter(b[0]) && isLetter(b[1]) && countryCodes[string(b[:2])] {
		cc = string(b[:2])
		b = b[2:]
		if cc == "EL" {
			cc = "GR"
		}
	}
	if len(b) < 4 {
		return ""
	}
	return cc + ":" + string(b)
}

// countryCodes are the ISO 3166-1 alpha-2 codes (and Greece's VAT prefix
// EL) that may open a tax id; other leading letters belong to the number
// (Austria's "U12345678", Spain's "B12345678").
var countryCodes = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(`AD AE AF AG AL AM AO AR AT AU AZ BA BB BD BE BF BG BH BI BJ BN BO BR BS BT BW BY BZ
		CA CD CF CG CH CI CL CM CN CO CR CU CV CY CZ DE DJ DK DM DO DZ EC EE EG EL ER ES ET FI FJ FM FR GA GB GD GE GH
		GM GN GQ GR GT GW GY HK HN HR HT HU ID IE IL IN IQ IR IS IT JM JO JP KE KG KH KI KM KN KP KR KW KZ LA LB LC LI
		LK LR LS LT LU LV LY MA MC MD ME MG MH MK ML MM MN MO MR MT MU MV MW MX MY MZ NA NE NG NI NL NO NP NR NZ OM PA
		PE PG PH PK PL PR PS PT PW PY QA RO RS RU RW SA SB SC SD SE SG SI SK SL SM SN SO SR SS ST SV SY SZ TD TG TH TJ
		TL TM TN TO TR TT TV TW TZ UA UG US UY UZ VA VC VE VN VU WS XI YE ZA ZM ZW`) {
		m[c] = true
	}
	return m
}()

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' }

// freeMail are mailbox providers whose domain says nothing about the
// company behind an address.
var freeMail = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "outlook.com": true, "hotmail.com": true, "hotmail.de": true,
	"hotmail.fr": true, "hotmail.co.uk": true, "live.com": true, "msn.com": true, "yahoo.com": true,
	"yahoo.de": true, "yahoo.fr": true, "yahoo.co.uk": true, "ymail.com": true, "aol.com": true,
	"icloud.com": true, "me.com": true, "mac.com": true, "proton.me": true, "protonmail.com": true,
	"gmx.de": true, "gmx.net": true, "gmx.at": true, "gmx.ch": true, "web.de": true, "t-online.de": true,
	"freenet.de": true, "mail.de": true, "posteo.de": true, "orange.fr": true, "free.fr": true,
	"laposte.net": true, "wanadoo.fr": true, "sfr.fr": true, "libero.it": true, "virgilio.it": true,
	"mail.com": true, "zoho.com": true, "yandex.com": true, "yandex.ru": true, "mail.ru": true,
	"qq.com": true, "163.com": true, "tutanota.com": true, "fastmail.com": true, "btinternet.com": true,
	"seznam.cz": true, "wp.pl": true, "o2.pl": true, "onet.pl": true, "interia.pl": true, "telenet.be": true,
	"skynet.be": true, "ziggo.nl": true, "kpnmail.nl": true, "bluewin.ch": true,
}

// IsFreeMail reports whether domain belongs to a free-mail provider.
func IsFreeMail(domain string) bool { return freeMail[strings.ToLower(domain)] }

// NormalizeDomain returns the registrable web domain of a URL, host or
// e-mail address: lower case, without scheme, "www.", port, path or
// trailing dot. It returns "" for free-mail providers and for values
// that are no domain at all.
func NormalizeDomain(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	} else {
		if i := strings.Index(s, "://"); i >= 0 {
			s = s[i+3:]
		}
		if i := strings.IndexAny(s, "/?#"); i >= 0 {
			s = s[:i]
		}
		if i := strings.LastIndexByte(s, '@'); i >= 0 {
			s = s[i+1:]
		}
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ".")
	s = strings.TrimPrefix(s, "www.")
	if !strings.Contains(s, ".") || strings.ContainsAny(s, " \t,;") || freeMail[s] {
		return ""
	}
	return s
}

// domainOf picks a record's web domain: the domain field, else the
// website, else the e-mail address (free-mail ignored everywhere).
func domainOf(domain, website, email string) string {
	for _, s := range [...]string{domain, website, email} {
		if d := NormalizeDomain(s); d != "" {
			return d
		}
	}
	return ""
}

package identity

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/northstar-dev/northstar/generate"
)

// NoiseOptions shape a noisy multi-source rendering of generated
// companies, for measuring matching quality against a known truth.
type NoiseOptions struct {
	// Seed makes the rendering reproducible (the companies use it too).
	Seed int64
	// Companies is the number of true companies before twins are added.
	Companies int
	// BaseCompanies caps how many companies come from generate.Collect
	// (default 20,000); more are derived from them by inserting a city
	// word into the name and domain and giving a fresh tax id, so a
	// million records do not need a million fully generated histories.
	BaseCompanies int
}

// Noise is a rendering of true companies as records of three systems
// (crm, erp, shop) with the truth: Truth[i] is the company of Records[i].
type Noise struct {
	Records []Record
	Truth   []int32
	// Companies is the number of true companies, twins included.
	Companies int
}

// sharedFreeMail are mailboxes that several unrelated small customers use
// (a bookkeeper's or an agency's address); their domains must not link.
var sharedFreeMail = []string{
	"buchhaltung@gmx.de", "office.team@gmail.com", "accounts@outlook.com", "rechnungen@web.de",
	"info.shop@yahoo.com", "compta@orange.fr", "billing.dept@hotmail.com", "admin@icloud.com",
	"factures@gmail.com", "orders@proton.me",
}

var personalFreeDomains = []string{"gmail.com", "outlook.com", "yahoo.com", "gmx.de", "web.de", "hotmail.com", "icloud.com", "proton.me"}

var cityWords = []string{
	"Berlin", "Austin", "Oslo", "Lyon", "Porto", "Dublin", "Krakow", "Zurich", "Toronto", "Malmo",
	"Leeds", "Bremen", "Utrecht", "Valencia", "Torino", "Aarhus", "Denver", "Graz", "Ghent", "Nantes",
	"Seattle", "Hamburg", "Bristol", "Bilbao", "Verona", "Uppsala", "Boston", "Basel", "Tampa", "Lille",
}

// twinCountries give a company's same-named twin its country, domain
// ending and tax prefix.
var twinCountries = []struct{ code, tld, tax string }{
	{"US", "com", "US"}, {"DE", "de", "DE"}, {"GB", "co.uk", "GB"}, {"FR", "fr", "FR"}, {"NL", "nl", "NL"},
	{"ES", "es", "ES"}, {"IT", "it", "IT"}, {"CH", "ch", "CHE"}, {"AT", "at", "ATU"}, {"CA", "ca", "CA"},
}

// GenerateNoise renders opt.Companies generated companies (plus ~3 %
// same-named twins in another country) as crm, erp and shop records with
// spelling variants, missing and free-mail domains, shared free-mail
// addresses, duplicates inside one system, one-sided customers and
// cross-reference ids on a share of crm records. The same options always
// give the same records.
func GenerateNoise(ctx context.Context, opt NoiseOptions) (*Noise, error) {
	if opt.Companies < 1 {
		return nil, fmt.Errorf("identity: noise needs at least one company, got %d", opt.Companies)
	}
	nb := opt.BaseCompanies
	if nb <= 0 {
		nb = 20000
	}
	nb = min(nb, opt.Companies)
	g := generate.DefaultOptions()
	g.Seed, g.Customers, g.OrdersPerCustomer, g.ContractShare = opt.Seed, nb, 0.01, 0.01
	co, err := generate.Collect(ctx, g)
	if err != nil {
		return nil, fmt.Errorf("identity: generate companies: %w", err)
	}
	nz := &Noise{Records: make([]Record, 0, opt.Companies*2+opt.Companies/5), Truth: make([]int32, 0, opt.Companies*2+opt.Companies/5)}
	twins := 0
	for k := 0; k < opt.Companies; k++ {
		if k%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		c := derive(co.Customers[k%nb], k, k/nb)
		r := rand.New(rand.NewPCG(uint64(opt.Seed), uint64(k)))
		nz.render(r, c, int32(k), k)
		if r.Float64() < 0.03 {
			t := twinCountries[r.IntN(len(twinCountries))]
			if t.code == c.Country {
				continue
			}
			tw := *c
			tw.Country = t.code
			tw.Domain = strings.SplitN(c.Domain, ".", 2)[0] + "-" + strings.ToLower(t.code) + "." + t.tld
			tw.Website, tw.Email = "https://www."+tw.Domain, "info@"+tw.Domain
			tw.TaxID = t.tax + "T" + strconv.Itoa(10000000+k)
			id := opt.Companies + twins
			twins++
			nz.render(r, &tw, int32(id), id)
		}
	}
	nz.Companies = opt.Companies + twins
	return nz, nil
}

// derive returns base itself for generation 0, else a new company made
// from it: a city word in the name and domain and a fresh tax id.
func derive(base *generate.Customer, k, gen int) *generate.Customer {
	if gen == 0 {
		return base
	}
	c := *base
	w := cityWords[(gen-1)%len(cityWords)]
	if gen > len(cityWords) {
		w += " " + cityWords[(gen-1)/len(cityWords)%len(cityWords)]
	}
	c.Name = w + " " + base.Name
	c.Domain = strings.ToLower(strings.ReplaceAll(w, " ", "")) + "-" + base.Domain
	c.Website, c.Email = "https://www."+c.Domain, "info@"+c.Domain
	if base.TaxID != "" {
		c.TaxID = base.TaxID[:2] + "X" + strconv.Itoa(10000000+k)
	}
	return &c
}

// render appends the records of company c (truth id) in each system it is in.
func (nz *Noise) render(r *rand.Rand, c *generate.Customer, truth int32, k int) {
	inCRM, inERP, inShop := r.Float64() < 0.85, r.Float64() < 0.8, r.Float64() < 0.3
	if !inCRM && !inERP && !inShop {
		inCRM = true
	}
	erpID := strconv.Itoa(1000000 + k)
	add := func(rec Record) {
		nz.Records = append(nz.Records, rec)
		nz.Truth = append(nz.Truth, truth)
	}
	if inERP {
		add(erpRecord(r, c, erpID))
		if r.Float64() < 0.03 {
			add(erpRecord(r, c, erpID+"-D"))
		}
	}
	if inCRM {
		crmID := "001" + strconv.FormatInt(int64(k)+1e9, 36)
		rec := crmRecord(r, c, crmID)
		if inERP && r.Float64() < 0.4 {
			rec.ExternalID = erpID
		}
		add(rec)
		if r.Float64() < 0.05 {
			d := crmRecord(r, c, crmID+"D")
			d.Name = typo(r, c.Name)
			d.Website = ""
			add(d)
		}
	}
	if inShop {
		add(shopRecord(r, c, "S"+strconv.Itoa(k)))
	}
}

func crmRecord(r *rand.Rand, c *generate.Customer, id string) Record {
	rec := Record{Source: "crm", SourceID: id, Country: c.Country}
	switch p := r.Float64(); {
	case p < 0.6:
		rec.Name = c.Name
	case p < 0.75:
		rec.Name = dropSuffix(c.Name)
	case p < 0.85:
		rec.Name = typo(r, c.Name)
	case p < 0.95:
		rec.Name = strings.ToLower(c.Name)
	default:
		rec.Name = strings.ReplaceAll(c.Name, "&", "and")
	}
	if p := r.Float64(); p < 0.7 {
		rec.Website = c.Website
	} else if p < 0.85 {
		rec.Website = c.Domain
	}
	rec.Email = email(r, c, 0.6)
	if c.TaxID != "" && r.Float64() < 0.35 {
		rec.TaxID = taxVariant(r, c.TaxID)
	}
	return rec
}

func erpRecord(r *rand.Rand, c *generate.Customer, id string) Record {
	rec := Record{Source: "erp", SourceID: id, Country: c.Country}
	switch p := r.Float64(); {
	case p < 0.35:
		rec.Name = strings.ToUpper(c.Name)
	case p < 0.5:
		rec.Name = transliterate(c.Name)
	case p < 0.65:
		rec.Name = typo(r, c.Name)
	default:
		rec.Name = c.Name
	}
	if len(rec.Name) > 35 { // SAP NAME1 holds 35 characters
		rec.Name = rec.Name[:35]
	}
	if r.Float64() < 0.25 {
		rec.Website = c.Website
	}
	rec.Email = email(r, c, 0.55)
	if c.TaxID != "" && r.Float64() < 0.9 {
		rec.TaxID = taxVariant(r, c.TaxID)
	}
	return rec
}

func shopRecord(r *rand.Rand, c *generate.Customer, id string) Record {
	rec := Record{Source: "shop", SourceID: id, Country: c.Country}
	switch p := r.Float64(); {
	case p < 0.5:
		rec.Name = dropSuffix(c.Name)
	case p < 0.7:
		rec.Name = typo(r, c.Name)
	case p < 0.9:
		rec.Name = strings.ToLower(c.Name)
	default:
		rec.Name = c.Name
	}
	rec.Email = email(r, c, 0.55)
	if rec.Email == "" {
		rec.Email = "orders@" + c.Domain
	}
	return rec
}

// email gives an address at the company's domain with probability own,
// else a shared or personal free-mail address or none.
func email(r *rand.Rand, c *generate.Customer, own float64) string {
	p := r.Float64()
	switch {
	case p < own:
		return []string{"info@", "einkauf@", "ap@", "j.smith@", "office@"}[r.IntN(5)] + c.Domain
	case p < own+0.1:
		return sharedFreeMail[r.IntN(len(sharedFreeMail))]
	case p < own+0.25:
		return "buyer" + strconv.Itoa(r.IntN(100000)) + "@" + personalFreeDomains[r.IntN(len(personalFreeDomains))]
	}
	return ""
}

func dropSuffix(name string) string {
	if i := strings.LastIndexByte(name, ' '); i > 0 {
		return name[:i]
	}
	return name
}

var translit = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "Ä", "AE", "Ö", "OE", "Ü", "UE",
	"é", "e", "è", "e", "ç", "c", "ñ", "n", "ł", "l")

func transliterate(s string) string { return translit.Replace(s) }

// typo applies one keyboard slip to a letter of s: a deletion, a
// transposition, a doubled letter or a substitution.
func typo(r *rand.Rand, s string) string {
	b := []byte(s)
	var pos []int
	for i := 0; i+1 < len(b); i++ {
		if isASCIILetter(b[i]) && isASCIILetter(b[i+1]) {
			pos = append(pos, i)
		}
	}
	if len(pos) == 0 {
		return s
	}
	i := pos[r.IntN(len(pos))]
	switch r.IntN(4) {
	case 0:
		return string(b[:i]) + string(b[i+1:])
	case 1:
		b[i], b[i+1] = b[i+1], b[i]
		return string(b)
	case 2:
		return string(b[:i+1]) + string(b[i:])
	default:
		b[i] = "qwertyuiopasdfghjklzxcvbnm"[r.IntN(26)]
		return string(b)
	}
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// taxVariant writes a tax id as people do: with or without the country
// prefix, spaced, dotted, lower case.
func taxVariant(r *rand.Rand, t string) string {
	switch r.IntN(5) {
	case 0:
		return t[2:]
	case 1:
		return t[:2] + " " + t[2:]
	case 2:
		return strings.ToLower(t)
	case 3:
		var b strings.Builder
		for i := 0; i < len(t); i++ {
			if i > 2 && i%3 == 2 {
				b.WriteByte('.')
			}
			b.WriteByte(t[i])
		}
		return b.String()
	}
	return t
}

// Quality is the pairwise quality of a clustering against the truth: a
// pair of records is predicted when both are in one cluster, true when
// both belong to one company.
type Quality struct {
	Precision, Recall                  float64
	PredictedPairs, TruePairs, Correct int64
}

// PairwiseQuality compares cluster (any cluster label per record) with
// truth (the company per record).
func PairwiseQuality(cluster, truth []int32) Quality {
	pairs := func(n int64) int64 { return n * (n - 1) / 2 }
	pred := map[int32]int64{}
	tru := map[int32]int64{}
	both := map[[2]int32]int64{}
	for i := range cluster {
		pred[cluster[i]]++
		tru[truth[i]]++
		both[[2]int32{cluster[i], truth[i]}]++
	}
	var q Quality
	for _, n := range pred {
		q.PredictedPairs += pairs(n)
	}
	for _, n := range tru {
		q.TruePairs += pairs(n)
	}
	for _, n := range both {
		q.Correct += pairs(n)
	}
	q.Precision, q.Recall = 1, 1
	if q.PredictedPairs > 0 {
		q.Precision = float64(q.Correct) / float64(q.PredictedPairs)
	}
	if q.TruePairs > 0 {
		q.Recall = float64(q.Correct) / float64(q.TruePairs)
	}
	return q
}

package generate

// Word lists and reference tables. Slices, never maps, are iterated so that
// output cannot depend on map order.

type country struct {
	code     string
	weight   int
	currency string
	tld      string
	suffixes []string // legal-form suffixes
	phone    string   // country calling code
	locale   int      // index into firstNames/lastNames
	// tax formats the VAT-style id: prefix, digit count, trailer.
	taxPrefix  string
	taxDigits  int
	taxTrailer string
}

const (
	localeEN = iota
	localeDE
	localeFR
	localeNL
	localeES
	localeIT
	localeNordic
	localePL
)

var countries = []country{
	{"US", 24, "USD", "com", []string{"Inc.", "LLC", "Corp.", "Inc."}, "+1", localeEN, "US", 9, ""},
	{"DE", 18, "EUR", "de", []string{"GmbH", "GmbH", "AG", "GmbH & Co. KG", "KG"}, "+49", localeDE, "DE", 9, ""},
	{"GB", 12, "GBP", "co.uk", []string{"Ltd", "Ltd", "Limited", "PLC"}, "+44", localeEN, "GB", 9, ""},
	{"FR", 9, "EUR", "fr", []string{"SAS", "S.A.", "SARL"}, "+33", localeFR, "FR", 11, ""},
	{"NL", 6, "EUR", "nl", []string{"B.V.", "B.V.", "N.V."}, "+31", localeNL, "NL", 9, "B01"},
	{"ES", 5, "EUR", "es", []string{"S.L.", "S.A."}, "+34", localeES, "ESB", 8, ""},
	{"IT", 5, "EUR", "it", []string{"S.r.l.", "S.p.A."}, "+39", localeIT, "IT", 11, ""},
	{"SE", 3, "SEK", "se", []string{"AB"}, "+46", localeNordic, "SE", 10, "01"},
	{"CH", 3, "CHF", "ch", []string{"AG", "GmbH", "SA"}, "+41", localeDE, "CHE", 9, ""},
	{"AT", 3, "EUR", "at", []string{"GmbH", "AG"}, "+43", localeDE, "ATU", 8, ""},
	{"BE", 3, "EUR", "be", []string{"BV", "SA", "NV"}, "+32", localeNL, "BE0", 9, ""},
	{"PL", 3, "PLN", "pl", []string{"Sp. z o.o.", "S.A."}, "+48", localePL, "PL", 10, ""},
	{"DK", 2, "DKK", "dk", []string{"A/S", "ApS"}, "+45", localeNordic, "DK", 8, ""},
	{"IE", 2, "EUR", "ie", []string{"Ltd", "DAC"}, "+353", localeEN, "IE", 7, "WA"},
	{"CA", 2, "CAD", "ca", []string{"Inc.", "Ltd.", "Corp."}, "+1", localeEN, "CA", 9, ""},
}

// fxPerEUR is units of each currency per euro, used only to scale generated
// prices into local currency (the warehouse does its own conversion).
var fxPerEUR = []struct {
	currency string
	rate     float64
}{
	{"EUR", 1}, {"USD", 1.08}, {"GBP", 0.86}, {"CHF", 0.95}, {"SEK", 11.4},
	{"DKK", 7.46}, {"PLN", 4.3}, {"CAD", 1.47},
}

func fxRate(currency string) float64 {
	for _, f := range fxPerEUR {
		if f.currency == currency {
			return f.rate
		}
	}
	return 1
}

type weighted struct {
	name   string
	weight int
}

var segments = []weighted{{"enterprise", 10}, {"mid-market", 30}, {"smb", 60}}

const (
	segEnterprise = 0
	segMid        = 1
	segSMB        = 2
)

var channels = []weighted{{"organic", 30}, {"paid", 22}, {"referral", 15}, {"partner", 12}, {"outbound", 21}}

var industries = []string{
	"manufacturing", "retail", "logistics", "healthcare", "financial_services", "software",
	"energy", "construction", "food_and_beverage", "automotive", "chemicals", "public_sector",
}

// industryWords name a company after its trade, per industry.
var industryWords = [][]string{
	{"Manufacturing", "Industries", "Werke", "Fabrication", "Precision", "Tooling"},
	{"Retail", "Stores", "Trading", "Handel", "Outlet", "Commerce"},
	{"Logistics", "Freight", "Transport", "Shipping", "Logistik", "Cargo"},
	{"Health", "Medical", "Care", "Clinics", "Pharma", "Diagnostics"},
	{"Capital", "Finance", "Partners", "Advisors", "Insurance", "Holdings"},
	{"Software", "Systems", "Digital", "Labs", "Technologies", "Data"},
	{"Energy", "Power", "Solar", "Utilities", "Renewables", "Grid"},
	{"Construction", "Builders", "Bau", "Engineering", "Structures", "Contracting"},
	{"Foods", "Beverages", "Brewing", "Dairy", "Bakeries", "Provisions"},
	{"Automotive", "Motors", "Mobility", "Components", "Parts", "Fahrzeugtechnik"},
	{"Chemicals", "Materials", "Coatings", "Polymers", "Chemie", "Compounds"},
	{"Services", "Agency", "Consulting", "Solutions", "Group", "Office"},
}

var namePrefixes = []string{
	"Nord", "Blue", "Silver", "Alpen", "Atlas", "Vertex", "Helio", "Iron", "Oak", "Red", "Green", "Stone",
	"North", "West", "East", "South", "Bright", "Clear", "Swift", "Summit", "Pioneer", "Harbor", "River",
	"Falcon", "Granite", "Crystal", "Sun", "Star", "Polar", "Delta", "Nova", "Orion", "Apex", "Cedar",
	"Maple", "Lake", "Hansa", "Rhein", "Elb", "Baltic", "Alto", "Sierra", "Terra", "Aqua", "Vita",
	"Prime", "Quantum", "Ever", "True", "Blue", "Golden", "Eagle", "Linden", "Birch", "Copper",
}

var nameRoots = []string{
	"wind", "peak", "stone", "bridge", "field", "gate", "line", "works", "point", "way", "wood", "view",
	"tech", "vision", "stream", "light", "ridge", "haven", "mark", "core", "path", "port", "tal", "berg",
	"feld", "hof", "land", "wave", "spring", "rock", "crest", "dale", "ford", "mont", "vale", "side",
}

var firstNames = [][]string{
	localeEN:     {"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Emily", "Daniel", "Sarah", "Chris", "Laura", "Mark", "Olivia", "Paul", "Emma", "Andrew", "Grace"},
	localeDE:     {"Thomas", "Anna", "Michael", "Julia", "Stefan", "Katharina", "Andreas", "Sabine", "Markus", "Laura", "Jürgen", "Claudia", "Tobias", "Lena", "Florian", "Jana", "Matthias", "Sophie", "Lukas", "Petra"},
	localeFR:     {"Jean", "Marie", "Pierre", "Camille", "Nicolas", "Sophie", "Julien", "Isabelle", "Antoine", "Chloé", "Thomas", "Élodie", "Laurent", "Manon", "François", "Céline"},
	localeNL:     {"Jan", "Anne", "Pieter", "Sanne", "Daan", "Lotte", "Bram", "Eva", "Joost", "Femke", "Ruben", "Inge", "Thijs", "Marloes"},
	localeES:     {"José", "María", "Javier", "Lucía", "Carlos", "Carmen", "David", "Laura", "Miguel", "Elena", "Pablo", "Ana", "Sergio", "Marta"},
	localeIT:     {"Marco", "Giulia", "Luca", "Francesca", "Andrea", "Chiara", "Matteo", "Sara", "Alessandro", "Valentina", "Giovanni", "Elena"},
	localeNordic: {"Erik", "Anna", "Lars", "Maria", "Anders", "Karin", "Johan", "Ingrid", "Mikkel", "Freja", "Nils", "Sofie", "Henrik", "Astrid"},
	localePL:     {"Piotr", "Anna", "Krzysztof", "Katarzyna", "Tomasz", "Magdalena", "Paweł", "Agnieszka", "Marcin", "Joanna", "Michał", "Ewa"},
}

var lastNames = [][]string{
	localeEN:     {"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor", "Clark", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green", "Baker", "Carter", "Murphy", "O'Brien"},
	localeDE:     {"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Braun", "Zimmermann"},
	localeFR:     {"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel"},
	localeNL:     {"de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Meijer", "de Boer", "Mulder"},
	localeES:     {"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín", "Ruiz", "Díaz"},
	localeIT:     {"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo"},
	localeNordic: {"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Jensen", "Nielsen", "Hansen", "Pedersen", "Olsen", "Lindberg"},
	localePL:     {"Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Szymański", "Woźniak"},
}

var titles = []string{
	"CEO", "CFO", "COO", "Head of Procurement", "Purchasing Manager", "Buyer", "Operations Manager",
	"IT Manager", "Accounts Payable Clerk", "Plant Manager", "Office Manager", "Project Manager",
	"Head of Operations", "Controller", "Supply Chain Lead", "Managing Director",
}

var freeMail = []string{"gmail.com", "outlook.com", "yahoo.com", "gmx.de", "web.de", "hotmail.com", "icloud.com"}

var owners = []string{
	"Alice Carter", "Ben Hoffmann", "Chloé Martin", "Daniel Weber", "Eva Jansen", "Felix Braun",
	"Grace Murphy", "Hugo Lefèvre", "Isabel García", "Jonas Nilsson", "Karen Walker", "Leon Fischer",
	"Maya Rossi", "Noah Smith", "Olga Nowak", "Paul Richter", "Rosa Díaz", "Sam Taylor",
}

// Product categories of the generated company's catalog (an industrial
// equipment and software vendor).
var categoryNames = []string{
	"hardware", "sensors", "software", "consumables", "spare_parts", "services", "training", "accessories",
}

// Categories lists the product categories every order line uses.
func Categories() []string { return append([]string(nil), categoryNames...) }

// categoryPrice is each category's unit list price range in EUR cents.
var categoryPrice = [][2]float64{
	{50000, 900000}, {8000, 60000}, {20000, 500000}, {500, 8000},
	{2000, 40000}, {60000, 300000}, {40000, 250000}, {1500, 20000},
}

var categoryProductWords = [][]string{
	{"Gateway", "Controller", "Edge Server", "Panel PC", "Switch", "Drive Unit"},
	{"Temperature Sensor", "Pressure Sensor", "Flow Meter", "Vibration Probe", "Level Sensor", "Camera Module"},
	{"Monitoring Suite", "Analytics Module", "Fleet License", "API Add-on", "Historian", "Mobile App Seat"},
	{"Filter Cartridge", "Calibration Kit", "Cable Set", "Battery Pack", "Label Roll", "Cleaning Kit"},
	{"Replacement Board", "Fan Assembly", "Power Supply", "Display Unit", "Seal Kit", "Connector Set"},
	{"Installation Day", "Commissioning", "Health Check", "Integration Sprint", "On-site Support", "Migration"},
	{"Operator Course", "Admin Workshop", "Certification", "E-Learning Seat", "Onboarding Session", "Masterclass"},
	{"Mounting Bracket", "Enclosure", "Antenna", "Adapter", "Rack Kit", "Carrying Case"},
}

// industryCategories is each industry's preferred first categories.
var industryCategories = [][]int{
	{0, 4}, {3, 7}, {1, 0}, {1, 3}, {2, 5}, {2, 6},
	{0, 1}, {0, 7}, {3, 1}, {4, 0}, {3, 1}, {5, 2},
}

var caseSubjects = []string{
	"Device offline", "Invoice question", "Login problem", "Sensor reading incorrect", "Delivery delayed",
	"Request for quote", "License activation", "Firmware update failed", "Return request", "Training booking",
	"Damaged on arrival", "API error 500", "Change billing address", "Missing item in shipment",
	"Dashboard slow", "Password reset", "Integration question", "Warranty claim",
}

var commentsGood = []string{
	"Great support, fast turnaround.", "Everything worked out of the box.", "Very responsive team.",
	"Delivery was quick and complete.", "Onboarding was smooth, thanks!", "Reliable products, fair prices.",
	`Our account manager is "simply the best".`,
}

var commentsNeutral = []string{
	"OK overall.", "Fine, but documentation could be better.", "Delivery took a bit long.",
	"Pricing is high, quality is good.", "Works, although setup was fiddly.",
}

var commentsBad = []string{
	"Slow support, still waiting for an answer.", "Invoices are wrong again.", "Too many outages lately.",
	"We are evaluating alternatives.", "Shipment arrived damaged, twice.", "Hard to reach anyone by phone.",
	"Price increase, no added value.",
}

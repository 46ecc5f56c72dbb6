"""Word lists for the free-text categories, in bokmål, nynorsk, Danish, Swedish and English. Pure data.

Terms are matched case-insensitively at the start of a word and may continue (compounds and inflections:
"diabetes" finds "diabetesen", "kreft" finds "kreftbehandling"). A ``=`` suffix means "the whole word only".
Keep lists sorted within a language and prefer terms a careful records officer would act on.
"""

from __future__ import annotations

HEALTH = {
    "stems": [
        # nb / nn
        "adhd", "allergi", "alzheimer", "angst", "anfall", "astma", "autis", "barnevernet=", "behandling",
        "blodtrykk", "brukket", "demens", "depresjon", "depressiv", "diabetes", "diagnose", "dialyse", "epilepsi",
        "fastlege", "fødselsdepresjon", "gravid", "hjerneslag", "hjerteinfarkt", "hiv", "hørselshemm",
        "innlagt", "kjemoterapi", "kols", "kreft", "legevakt", "medisin", "migrene", "ms=", "nedsatt funksjonsevne",
        "operasjon", "operert", "psykiatri", "psykisk", "psykolog", "psykose", "rullestol", "rus", "schizofren",
        "sjukehus", "sjukdom", "sykdom", "sykehus", "sykehjem", "sykmeld", "sjukmeld", "slag=", "smerte",
        "spiseforstyrr", "svangerskap", "synshemm", "uføre", "utviklingshemm", "hjemmesykepleie", "rusavhengig",
        "narkoman", "alkoholiker", "abort", "autisme", "down syndrom", "cerebral parese", "ptsd", "bipolar",
        "angstlidelse", "hjertefeil", "syk=", "syke=", "sjuk=", "sjuke=", "sykt=", "nyresvikt", "lungebetennelse",
        "covid", "korona", "koronasmitt",
        "brystkreft", "prostatakreft", "cellegift", "insulin", "antidepressiva", "sovemedisin",
        # da
        "depression", "diagnosen", "gigt", "handicap", "hjerneblødning", "hospital", "indlagt", "kræft",
        "læge", "medicin", "misbrug", "psykiatrisk", "sclerose", "sygdom", "sygemeld", "sukkersyge",
        "blodprop", "hjemmehjælp", "plejehjem", "førtidspension", "stofmisbrug",
        # sv
        "cancer", "diabetiker", "funktionsneds", "missbruk", "sjukskriv", "sjukhus", "sjukdom", "vårdcentral",
        "psykisk ohälsa", "utbrändhet", "utmattningssyndrom", "hemtjänst", "äldreboende",
        # en
        "anxiety", "asthma", "autism", "chemotherapy", "dementia", "depressed", "diagnosed", "disability",
        "disabled", "epilepsy", "hospitali", "illness", "medication", "mental health", "pregnan", "rehab",
        "schizophren", "seizure", "stroke", "surgery", "therapy", "wheelchair", "addiction", "cancer", "sick=",
        "syg=", "syge=", "sjuka=",
    ],
}

SPECIAL = {
    "religion": [
        "ateist", "buddhist", "hindu", "jøde", "jødisk", "katolikk", "katolsk", "kristen", "kristne", "menighet",
        "moské", "moske", "muslim", "pinsevenn", "sikh", "synagog", "jehovas vitne", "mormon", "troende",
        "katolik", "moské", "jude", "judisk", "kyrkan", "frikirke", "frikyrk", "atheist", "christian",
        "jewish", "catholic", "muslim", "church=", "mosque", "koran", "bibelen", "islam", "konvert",
        "ramadan", "hijab", "religion", "religiøs", "religiös", "religious",
    ],
    "ethnic_origin": [
        "samisk", "same=", "kvensk", "rom=", "romani", "tater", "somalisk", "pakistansk", "polsk", "kurdisk",
        "afghansk", "eritreisk", "syrisk", "innvandrer", "flyktning", "asylsøker", "indvandrer", "flygtning",
        "invandrare", "flykting", "etnisk", "etnicitet", "ethnic", "immigrant", "refugee", "asylum",
        "grønlandsk", "grønlænder", "mørkhudet", "hudfarge", "hudfarve", "hudfärg", "arabisk", "tyrkisk",
        "afrikansk",
    ],
    "political_opinion": [
        "stemmer på", "stemte på", "stemmer på", "medlem av ap", "medlem av frp", "medlem av høyre",
        "medlem av sv", "medlem av rødt", "medlem av sp", "medlem av mdg", "medlem av krf", "medlem av venstre",
        "partimedlem", "stemmer på", "stemmer", "jeg stemte", "eg stemte", "eg røystar", "røysta på",
        "jeg stemmer", "medlem af", "stemmer på", "jag röstar", "röstade på", "partiet", "sosialist",
        "kommunist", "nazist", "fascist", "anarkist", "socialdemokrat", "i vote", "voted for", "party member",
        "liberal", "conservative", "aktivist", "demonstrasjon",
    ],
    "sexual_orientation": [
        "bifil", "bisexual", "bisek", "gay=", "homofil", "homo=", "homoseks", "lesbisk", "lesbian", "lesbe",
        "queer", "skeiv", "skeiv", "transkjønn", "transperson", "kjæresten min er en mann", "min kæreste er",
        "bøsse", "homosexuell", "flata=",
    ],
    "trade_union": [
        "fagforening", "fagforbundet", "fagbevegelsen", "lo-medlem", "medlem av lo", "tillitsvalgt", "tillitsvald",
        "fagforening", "unio", "akademikerne", "ys-medlem", "utdanningsforbundet", "sykepleierforbundet",
        "fagforbund", "3f=", "foa=", "hk-medlem", "fackförbund", "facket", "kommunal=", "vision=",
        "trade union", "union member", "shop steward",
    ],
}

CRIME = [
    "anmeldt", "anmeldelse", "arrestert", "bot=", "bøtelagt", "dom=", "domfelt", "dømt", "fengsel", "fengslet",
    "innbrudd", "kriminell", "narkotika", "siktet", "siktelse", "soning", "sonet", "straffedømt", "tiltalt",
    "tyv", "tyveri", "vold", "voldtekt", "promillekjøring", "ran=", "ranet", "anholdt", "dømt for",
    "sigtet", "fængsel", "fængslet", "politianmeld", "straffe", "tyveri", "åtalad", "dömd", "fängelse",
    "stöld", "polisanmäl", "arrested", "charged with", "convicted", "criminal record", "jail", "prison",
    "theft", "assault",
]

# Words that make a sentence about a specific person (first person, possessives, kin, pronouns).
PERSON_MARKERS = [
    "jeg=", "eg=", "meg=", "meg selv", "min=", "mitt=", "mine=", "mi=", "vår=", "vårt=", "våre=", "han=",
    "hun=", "ho=", "hans=", "hennes=", "henne=", "ham=", "sønn", "datter", "dotter", "døtre", "mor=", "mora=",
    "mamma", "far=", "faren", "pappa", "bestemor", "bestefar", "farmor", "farfar", "mormor", "morfar",
    "kona", "mannen min", "samboer", "naboen", "nabo=", "kollega", "broren", "bror=", "søster", "søsteren",
    "onkel", "tante", "barnet", "gutten", "jenta", "jente=", "gutt=", "ungen", "svigermor",
    "jag=", "mig=", "mej=", "min=", "mit=", "mina=", "vores=", "hun=", "hon=", "honom", "hendes", "søn=",
    "sønnen", "min søn", "barnebarn", "barnbarn", "grannen", "naboen",
    "i=", "i'm", "my=", "me=", "he=", "she=", "his=", "her=", "son=", "daughter", "mother", "father",
    "husband", "wife", "neighbour", "neighbor", "kid=", "child",
]

# Sentences about groups rather than a person: statements about many people are not personal data.
GROUP_MARKERS = [
    "mange=", "flere=", "alle=", "folk=", "eldre=", "de eldre", "innbyggere", "innbyggjarar", "brukere",
    "pasienter", "mennesker", "menneske", "befolkningen", "mange eldre", "nogle=", "mange af", "många",
    "flera=", "people", "many=", "most=", "everyone", "residents", "patients", "generelt", "statistikk",
    "statistik", "undersøkelse", "undersøgelse", "studie", "forskning",
]

# A phrase pointing at one specific minor: a kin word with a possessive, optionally with an age under 18.
_POSSESSIVE = r"(?:min|mi|mitt|vår|vårt|mine|våre|mit|vores|mina|my|our)"
_KIN = (r"(?:sønnen|sønn|søn|sonen|son|datteren|dattera|dottera|datter|dotter|døtrene|jenta|jente|piken|pike|gutten|"
        r"gutt|drengen|dreng|pigen|pige|pojken|pojke|flickan|flicka|barnet|barn|ungen|unge|babyen|baby|"
        r"tvillingene|daughter|son|kid|child|boy|girl)")
_AGE = r"(?:[1-9]|1[0-7])"
CHILD_PHRASE = (
    rf"(?<!\w)(?:{_POSSESSIVE}\s+(?:lille\s+|vesle\s+)?(?P<kin>{_KIN})|(?P<kin2>{_KIN})\s+{_POSSESSIVE})(?!\w)"
    rf"(?P<age>\s*\(\s*{_AGE}\s*(?:år|years?)?\s*\)|\s+(?:på|pa|of|om)\s+{_AGE}\s*(?:år|years?|mnd|måneder))?"
)
CHILD_AGE = rf"(?<!\w){_AGE}\s*-?\s*(?:åring|åringen|årig|årige|year-old|years old)\w*"
# Kin words that always mean a child; others ("sønnen min") need an age or a school context.
CHILD_WORDS = ("barnet", "barn", "ungen", "unge", "babyen", "baby", "child", "kid")
SCHOOL_CONTEXT = ("skole", "skule", "skolen", "skulen", "barnehage", "barnehagen", "klasse", "trinn", "sfo=",
                  "skolevei", "skoleveg", "skyss", "børnehave", "vuggestue", "folkeskole", "skola", "skolan",
                  "förskola", "fritids", "school", "kindergarten", "nursery", "pupil", "elev")

# Words that make an address a private home address.
RESIDENCE_CONTEXT = [
    "bor i", "bor på", "bur i", "bur på", "bor på adressen", "adressen min", "adressa mi", "min adresse",
    "vår adresse", "hjemme i", "hjemmeadresse", "bopel", "bopæl", "jeg bor", "vi bor", "eg bur", "vi bur",
    "hjem til", "utenfor huset mitt", "utenfor huset vårt", "huset mitt", "huset vårt", "vores hus",
    "mit hus", "min adress", "jag bor", "vi bor på", "hemma på", "i live at", "my address", "we live at",
    "our house", "my house", "home address", "bor ved", "naboen i", "naboen på",
]

STREET_SUFFIXES = [
    "gata", "gaten", "gate", "veien", "vegen", "vei", "veg", "vn.", "allé", "allè", "plass", "plassen", "torget",
    "bakken", "lia", "stien", "kroken", "svingen", "tunet", "vej", "vejen", "gade", "gaden", "stræde", "alle",
    "vænget", "vägen", "väg", "gatan", "gränd", "torg", "road", "street", "lane", "avenue", "close", "way",
]

# First names common in the Nordic countries and in English, for full-name detection.
FIRST_NAMES = """
aase ada adam adrian agnes agnete ahmed aksel albert alexander alf alfred ali alice alma amalie amanda amir
anders andreas anette ange anita ann anna anne annette anton arne arnt asbjørn astrid aud audun axel bente
berit bjørg bjørn bodil borghild brage britt camilla carina carl caroline cathrine cecilie charlotte
christian christina christine dag dagny daniel david einar eirik eivind elin elise elisabeth ella ellen
elsa else emil emilie emma erik erling espen eva even fatima filip finn frank frida frode geir georg gerd
gro gudrun gunhild gunnar gustav guri hanna hanne hans harald hassan hege heidi helen helene helge henrik
henning hilde håkon ida ine inga inge ingeborg inger ingrid isak jakob jan janne jens jesper jon jonas
jonathan jorunn jostein julie june jørgen jørn kai kari karin karina karl kasper katrine kenneth kim
kirsten kjell kjersti knut kristian kristin kristine lars laila lene lena leo line linda linn linnea lise liv
lotte louise lucas ludvig magnus maja malin marcus margrethe mari maria marianne marit markus marte martin
mathias mats mette mia michael mikkel mohammed mona morten nils nina noah nora odd ola olaf olav ole oliver
omar oskar otto paul per pernille peter petter philip pia preben ragnar ragnhild randi rasmus reidun rolf
rune ruth sander sara sigrid silje simen simon siri sissel sofie solveig sondre steinar stian stine svein
sverre synnøve søren tale terje thea thomas thor tina tobias tom tone tor tore torbjørn torill tove trine
trond turid ulla ulf vebjørn vegard vera vibeke victoria viktor vilde wenche william yusuf zainab
james john robert michael mary patricia jennifer linda elizabeth susan jessica sarah karen lisa nancy
""".split()

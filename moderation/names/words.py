"""Ordinary words that are also names (moderation.names).

Ordinary words
--------------
Some names are, or are made only of, ordinary English words ("Drake", "Madonna", "Trump" as an
alias, "Ice Cube", "Kid Rock", "The Rock"). Such a one-word name is only a name when written as one: a
capital inside a sentence, leetspeak or spaced letters ("the singer Pink", "P!nk", not "pink
flowers", "a drake on a pond", "Pink flowers at dawn"). Such a multi-word name needs a capital on
every word ("an ice cube melting" is no one), unless one of its words is a given name ("bill gates",
"will smith", "prince harry" are people in lower case too). A typo is not assumed where the prompt
has an ordinary word in lower case ("the Jordan river" is not a "Jordan Rivers"), a one-word typo only
in a capitalised word that is no other name's word ("Rihana", not "a merkle tree"), and a whole
multi-word name as one plain lower-case token only from 8 letters and when that token is no name's
word ("kimchi" is not a "Kim Chi"; "#kimchi" or "KimChi" would be). In a prompt in Title Case (three
quarters of the words that start no sentence capitalised) capitals say nothing. `_ORDINARY` (below)
lists the ordinary words that are also common first names, surnames or stage names; `_GIVEN`
the given names among them.
"""

from __future__ import annotations

# Everyday words of other languages written in Latin letters that are one-word names or aliases of the
# starter registry, as those languages write them in lower case: such a word written so is the word, and
# the person only when written as a name (a capital anywhere, "Pelé" with its accent, leetspeak, spaced
# letters; a word on its own, not in a hashtag, a handle or camelCase): "cuidados com a pele" (skin),
# "c'est trop cher" (dear), "uma mão" or "uma mao" (a hand), "evita el sol" (avoid), "un bono" (a
# voucher), "stary wóz" (a cart). Not today's politicians, whom a false refusal protects from election
# deepfakes ("lula", a squid; "modi", ways; "meloni", melons; "draghi", dragons), nor the most prompted
# athlete ("messi", put): they stay refused in lower case too.
_EVERYDAY_ELSEWHERE = frozenset({"pele", "cher", "mão", "mao", "evita", "bono", "wóz", "woz"})

# Given names that are also ordinary words: a name with one of them is a name in lower case too
# ("bill gates", "will smith", "prince harry").
_GIVEN = frozenset(
    """al art ben bill billy bob bobby brad cal carol chad chuck dale dean don drew earl frank gene glen
    grace grant guy hank harry hector jack jay jimmy john josh kit lance lee mark martin max mike noel
    pat pete peter pierce randy ray rick rob roger sally sue ted terry tom tony troy victor warren will""".split()  # noqa: SIM905
)

# Ordinary English words that are also first names, surnames or stage names: the lower-case words of
# Debian's wamerican and wbritish lists that are also written capitalised there or are in Faker's
# name lists of any locale, the thousand common words of Faker's en_US lorem list, and stage names
# and nicknames that are words (drake, pink, sting, seal, madonna, usher, cube...).
_ORDINARY = frozenset(
    """
abate abbey abed ability able about above accept according account ace across act action activity acts actually
add address administration admiral admit adult advent advents affect afghan afghans after again against agate
age agency agent ago agree agreement ah aha ahead aids air alas albino ale ales aline all allow ally almighty
almond almost alone along alpha alpine already also although alto always am amazon amazons amber amble american
amigo amir among amount ampere an analysis anchorage and android angel angelic angora angoras ani animal anon
another answer antarctic ante antic ants any anyone anything appear apple apply approach arch archer arctic area
arenas ares argue aria arias ark arm armour around arrive arroyo art article artist arts as ascension ask asp
aspen assume astrakhan astride at atlas atlases atria attack attention attic attorney auburn audience auger
august aura author authority autumn available avoid away awol azalea baa babe babel babels baby back backer
bacon bad badlands bag bah bail baker balder bale ball ban bank banks bannister baptist baptists bar barb barber
bare barer barker barman barney baron barrio barrios barrows base basic basics basil bass bassi basso bates bath
battle be beach bean beard beat beau beautiful because beck become bed bee beer before begin behavior behind
believe bell belle bellow bend bender benefit bent berg berry beryl best beta better between beyond bib bible
bibles biblical big bigot bilge bill billings billion billy binder bins birch bird birdie bishop bit bite bitten
black blacks blanch blaze blessing bliss block blockbuster blood bloom bloomer blossom blot blue blvd board boas
bob bobby bode bodkin body boga bogey bohemian bohemians boles bologna bond boner bones bonnet bonnie bonny book
boon booth bore borer born boss bot both bouillon boulder bourbon bourgeois bowers bowler bowman box boy bozo
bra brad braille brain bran branch brands brandy bravo bray break brewer brick bridge bridges bright bring brink
brogan brontosaurus brook brooks brother brown brownie brownies browning brunet buck bud buddy budget buffalo
build building bull bullock bunk bunker burger burns burr burrows bury bush business buster but butch butcher
butler butte butterfingers buy by ca cabanas cabinet caddie cadence caesarean cage cairn cairns cal call
calliope cam camel camera campaign camps can canal canals canaries cancer cancers candidate candy canning cannon
canny canon cant canton cantor canyon cap capital capitol capitols caprice captain car card cardinal care career
cares carmine carnation carol carpenter carrier carrion carry carton carver cascades case cases cash castor
catch caterpillar catholic cause cayenne celesta cell center centigrade central century certain certainly
cesarean cf chad chair challenge challenger chamberlain chambers champ champagne chance chancy chandler change
char character charge charity chase chastity check cheddar cheer cherish cherry chevron chi child chile chimera
chin china chip choice choose christen chuck church cinnamon cis citizen city civil claim class clay clear
clearly cleave clement cliff close closure cm coach cocci cockney cod cognac coke cokes col cola colas cold
colic collection colleen college collie collier cologne colon colonel colonial color colt columbine comas combs
come comer comfort comment commercial commodore common commons commonwealth communion communions communism
communist communists community company compare computer con concern concord condition confederacy confederate
confederates conference congress congresses consider constable constant constitution consumer contain continent
continental continue contractor control convey cook cools cooper cop coral cord cornet corning corona corp
corral cost cote cotter cotton could council country couple course court courtier cousin cousins cover coward
cox coy craft crane crater craven craw cray crayola create creation creator creed creek creole creoles crest
crick crime crooks cross cruise crusades crux crystal cs ct cu cube cultural culture cumming cup cupid curie
current curry curt customer cut dado dahlia daisy dale dalmatian dalmatians dam dare dark darling dash data date
daughter davenport dawn day dd dds deacon deal dean deb debate debs decade decamps decide decision deep defense
deforest degree deity delicious dell delta democrat democratic democrats derby derrick describe design desire
despite destiny detail determine develop development dial diamond dick dickey dickie diesel dieter difference
different difficult dimple din dink dinner dipper direction director dirk dis discover discuss discussion divan
diver divine do doc dock doctor dodge dodo doe dog dole doll dolly don door dos dot dotty dove down downing
downs downy doyen draconian drake draw dream drew dries drive drop drub drudge drug druid drum duff duke
dumpster dung dunning during dusty dyer each earl early earnest earth east eastern easterner easy eat ebb ebony
echo economic economy ed eddy edge edit education effect effort eider eight either elder election ell else ember
emerald emery emir emit emo employee end energy enjoy enough enter enterprise entire environment environmental
epicurean episcopal era ermine es esp especially essence est establish establishment ester eta ether eve even
evening event ever everglades every everybody everyone everything evidence exactly example executive exist
exodus expect experience expert explain eye face fact factor fair fairy faith falcon fall family fancy fanning
fanny far fares farina farmer farrow fascism fast fate fates father fathers fawn fear fed federal federalist
feds fee feel feeling felicity feline feller fem fern ferry few fez fiat field fielding fields fight figure fill
film final finally financial finch find fine finis finish fink fire firm first fish fisher five fl flagstaff
flea fleck fleet flint flood floor flora florin flowers fly focus follow font food foot for force ford foreign
foreman forest forester forget form former forum forward foster fount four fox fr franc frank frankfurter franks
free freely freeman french fresh friend frisk from front frost fry full fuller fund funk future gable gage gal
gala gale gall gamble game gantry gap garden garland garner garnet garret garrison gas gates gauge gay gee gen
gene general generation genesis genie gentile gentiles gentry get gibbon gibbons gill ginger gipsies gipsy girl
girts give glass glasses glazier glen gm gnu go goal goblet god gold golden goldsmith good goodwill google
gopher gore gorge gospel gospels government governor grace grail grand grant grass gravel graves gray great
green greet grey griffin grill grimes grit gross ground group grove grow growth guard guess guinea gully gun
gunner gunning gunny gurney gust gut guy gypsies gypsy hacker hair hake hale half hall hallmark halon ham hamlet
hammer hand handler handy hank happen happy hard harden hardy hare haring harlequin harm harmony harry harsh
hart hasty have haven hawking hawthorn hay hays hazel he head health hear heart hearty heath heather heaven
heavy heck hector held hell helm help hence henna hens her herb herd herder here hermitage heron herring herself
hertz hi hickey hickory hicks high highness hill hills him himself hind his hiss history hit ho hoes hogan hold
holder holiday holler holly holocaust home homer honing hood hook hooker hoop hooters hope hopper horn hospital
hot hotel hour house hovel how however hp hr huff hug huge hull human hundred hung hunt hunter hurt husband
hydra hymen ibis ice icy id idea identify ids if ill image imagine imam immaculate impact important improve in
inc include including increase ind indeed independence indicate individual industry infant information innocent
inquisition ins inside instead institution intel interest interesting international internet interview into
investment involve ion iris issue it item its itself iv ivory ivy jack jade jaguar jail japan jarred jasmine
jasper jay jeep jersey jerseys jet jewel jimmy job jobs jock jockey john johns join joke josh joule journey joy
judge jug juggernaut julienne junior juniors junk just justice kale karma keeling keep ken key khan kick kid
kiddy kidney killer kind kindle king kink kismet kiss kit kitchen kitty knight knoll know knowledge ks la lace
lacy lad laddie lady lam lamas lamb lance land lander lane language large lark lass lassie last late later laud
laugh laundromat laurel lavender law lawless lawyer lay laze lea leach lead leader leafy lean leaner learn least
leave led lee leech lees leeward left leg leis lemma lemon lent less let letter level leviathan levy liberty
lice lie liege lien lies life light like likely lil lily limo linden line link lips lira lisle list listen
little live llamas llano llanos lo loafer loafers loan local lode lodge logic lone long look looney loot lope
lopes lord lords lore lose loss lot louvre love low lower loyal lucid lucky lupus luster lute lynch lyric ma
mace machine macho macintosh mackinaw mad madden made madonna madras madrigal mads magazine magic magnolia
mailer main maintain major majority make male mall mallet mambo mammon man manage management manager mandarin
mane manly manning mans mantilla mantle many mar marathon march marches mare mares margarita maria marina marine
marines mark market marks marlin marquis marquise marriage marry mars marsh marshal mart marten martens martial
martian martians martin martins marvel mas mason masonic masons mass masses master masters mat mate material
math mats matt matter matts maverick max maxim maxima may maybe mayflower mayo mayor mayoral me mead meadow
meadows mean measure mecca meccas media medic medical meet meeting meg melody member memory mention mentor
merchant mercury mercy merino merrily merry mesa message messiah messiahs meta method metro mg mi mickey middle
midland midway might mike mile miles military mill miller millet million mills milquetoast mimosa min mind miner
minor minute miracle miss mission mist mister misty mitt mo moan mobile model modern molder moles moll moment
money monk monks month moody moon moons moor moors more mores morning morocco morrow mosaic moss most mother
mount mountain mouth move movement movie mr mrs ms much mule munch murk muscat muse music must my myrtle myself
nacho nadir nail name nanny narcissus nary nation national nationwide natural nature nautilus near nearly
necessary need nemesis nestle network never new news newspaper newt newton next nice nick nickelodeon nickels
night nightingale nil ninja nirvana no noble noel noels none nor normal north northeast northerner northwest not
note nothing notice nova novella now number numbers oak occidental occidentals occur octave odd odyssey of off
offer office officer official often oh oil ok old olive on once one onion only onto opal open operation
opportunity option or oracle oral orange orchard order organization orient oriental orientals other others
ottoman our out outside ova over owe own owner oxford oxfords oz pa pace pacific page pages painting paisley pal
palazzo palisades pall palm palomino pampers pan pansy pant pantheon pap paper par paradise paramount pare
parent park parks parley parliament parry parsons part participant particular particularly partner parts party
paschal pass passion passions past pastor pat pate patience patsy pattern patty paw pay payer pd peace peacock
pearl pearly peck peel peer peg pellet penny pent pentagon people pepper per perform performance perhaps perm
person personal peter peters petty pg pharaoh pharaohs philistine phoebe phoenix phone physical pi pick picture
piece pier pierce pigmies pigmy pike pilgrim pin pink pinkie pinto piper pippin pitbull pl place plan plank
plant platonic play playboy player plaza pleas pleasant plover pm pock point pol pole poles police policy polish
political politics poll polo pompadour pooh poor pop pope poppy popular population porter position positive
possible post potter potters pottier pound power powers pp practice precious prepare pres present president
presidents press pressure pretty prevent price priest prince princess prior privet probably process proctor
produce product production prof professional professor program prohibition project property prosper protect
protestant protestants prove proverbs provide providence provost prudence prudential psalms psyche pt public
puck pueblo pull punch puritan puritanism purity purl purpose push put pygmies pygmy python quality queen queens
question quickly quill quisling quite race radio raffles rafter raid rails rain rainier raise raja ram rams ran
randy range ransom rares rate rather rattan ravel raven ray re reach read reader reading ready real reality
realize really realtor reason receive recent recently recognize record red redden reduce reed reeves reflect
region rein reis relate relationship religious remain remember renaissance renaissances renders rep report
represent representative republican republicans require research resource respond response responsibility rest
result resurrection return reunion rev reveal revelations revere reverend rhea rice rich richer rick riddle ride
ridge right rim ring rip rise risk river rivers riverside roach road roan roar rob robin rock rocky rod roe
roentgen roger rogers role roll romaine roman romanticism room root roots rose rosemary rosette rosin rosy rout
rove rover royal rte rube ruby ruddy rule run rune runny rush rust rusty rut sable sabre sacristan sad safari
safe saga sage sager said saint saki salami salamis sales sally salmon salt salvo same sand sandal sander
sanders sandy sane sang sans sap sari sat satanism savage savanna savannah savant save savior sawyer say scarlet
scene schmuck schnauzer school science scientist scopes score scotch scotches scout scrabble scripture
scriptures scrooge scud scullion sea seal sears seaside season seat sec second secretariat secretary section
security see seek seem sell sellers senate senates senator send senior senna sense sera serenity serge series
serious serve server service set seven sever several sexton shad shade shaggy shah shake shanghai shantung share
sharp she sheikh shell shepherd sherry shields shine short shorthorn should shoulder show sibyl side sierra sign
significant silk silvan silver sim similar simple simply sims since sincere sine sing singer single singleton
sinner sir sire siren sister sisters sit sitar site sitters situation six size skill skin skip sky slash slinky
small smart smile smit smith smolders smuts snake snickers snider snoopy snot snow so social society sol solar
soldier sole solver some somebody someone something sometimes son sonata song sonny soon soot sop soprano sort
sos sound source south southeast southern southerner southerners southwest soviet space spam sparks spartan
speak spears special specific speech spend sphinx spies sport spring sprint sprite sq squire stack staff stage
stand standard staples star stark starling start state statement station stay steed steer stein step sterling
stern steward still sting stock stoic stoicism stokes stone stonewall stoney stop store storey storm stormy
story stout strand strategy street strong structure student study stuff style subject success successful such
suddenly sue suffer suggest suits summer summers sun sunbeam sunder sung sunny suns sunshine superior superman
supple support sure surface swat sweet swift swords sylvan system tab table tack tad tailor take talk talon tan
tank tanner target tarp tartar tartars task tawny tax tea teach teacher team technology teletype television tell
teller telnet temple ten tend term terry tertiary test than thank thanksgiving thanksgivings that thatcher the
their them themselves then theory theosophy there thermos these thespian theta they thing think third this
thoroughbred those though thought thousand threat three through throughout throw thug thus ti tiara tide ties
tilde till time tine ting tins tiny titan titanic to today together tom tome toms tone toner tonight tony too
toots top topic tor tore torrent torrents total tough toward town toy trace trade traditional training travel
treasure treasuries treasury treat treatment tree trial trident trinities trinity trip tromp tron trouble troy
true trump truth try tucker turkey turn turner tutu tv twain tweed twitter two type tyre under understand union
unions unique unit unknown unnamed until up upon ups urban us use usher usually utopia utopian utopians utopias
vain valentine valiant valid value valves van vandal var various vat veer velvet vernal very vi vial victor
victory view vigil villa villas viola violet visa visit viva vogue voice vote voyager wade wadi wage wait wake
waldo wales walk walker wall walls want war ward ware warmer warren warrior wash wasp watch water waters watt
watts way we wear weaver wed week weeks weight weir welch well wellington wells welsh welter were west western
westerner westerns what whatever wheeler wheeling when where whether which while whirlpool whistler whit white
whites who whole whom whose why wide widen wiener wife wild wilder wiles will willow wills win wind windbreaker
window windows windward windy wing winter winters wise wish with within without witting wolf wolfram woman
wonder wood woodland woods woody word work worker workman world worms worry worth would wren wright write writer
wrong yahoo yank yanks yard yaw yeah year yen yes yet yoga yogi you young your yourself yr yule yuletide zed zen
zens zeppelin zest zeta zipper zippers
""".split()  # noqa: SIM905
)

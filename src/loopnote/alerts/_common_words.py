"""The most frequent English words, most frequent first (about 5,000 lower-case words).

``COMMON_WORDS``  the words in frequency order (a tuple)
``COMMON_RANK``   word -> rank (0 is the most frequent)

Built from the word frequencies of the ``wordfreq`` 3.1.1 data (CC BY-SA 4.0, Robyn Speer
et al.), keeping the words spelled in lower case in SCOWL's ``american-english`` word list
(Debian ``wamerican``), so proper names alone are left out; single letters other than "a"
and "i" and a few words used mostly as given names (john, peter, tom, smith) are dropped.
The name spotter uses it to reject ordinary words that merely sound like a name, and to
warn when a name is itself an ordinary word.
"""

from __future__ import annotations

_WORDS = """
the to and of a in i is for that you it on with this was be as are have at he not by but from my
or we an your all so his they me if one can will just like about up out what has when more do no
were who had their there her which time get been would she new people how some also them now
other its our than good only after first him into know see two make over think any then could
back these us want because go well said way most much very where even should may here need
really did right work year years being day too going before off why made still take got many
never those life say world down great through last while best such love man home long look
something use same used both every am come part state three around between always better find
help high little old since another does own things under during game thing give house place
school again next each without against end found must show big feel sure team ever family keep
might please put money free second someone away left number city days lot name night play until
company doing few let real called different having set thought done however getting god
government group looking public top women business care start system times week already anything
case nothing person today change enough everything full live making point read told yet bad four
hard mean once support tell including music power seen states stop water based believe call head
men national small took white came far job side though try went yes actually later less line
order party run says service country open season shit thank children everyone general trying
united using area black following law makes together war whole car face five kind maybe per
president story working course games health hope important least means news within able book
early friends information local oh post thanks video young ago others social talk court fact
given guys half hand level mind often single become body coming control death food guy hours
office pay problem south true almost fuck history known large lost research room several started
taking university win wrong along anyone else girl matter pretty remember air bit friend hit
needs nice playing probably saying understand yeah class close comes idea international looks
past possible wanted cause due happy human members months move question series wait woman ask
community data late leave north saw special watch either fucking future light low million
morning police short stay taken age buy deal rather reason red report soon third turn whether
among check development form further heart minutes myself services yourself act although asked
child fire fun living major media phone players art behind building easy gonna market near non
plan political quite six talking west works according available education final former front
kids list ready sometimes son street bring college current example experience heard meet program
type baby chance father march process song study word across action clear gave gets himself
month outside self students words board cost cut field held instead main moment mother road
seems thinking town wants department energy fight fine force hear issue played points price re
rest results running shows space summer term wife beautiful date goes killed land miss project
sex shot site strong account especially eyes include parents period position record similar
total above club common died film happened knew lead likely military perfect personal security
share won center county couple dead happen hold industry inside issues online player private
problems return rights sense star test view weeks break companies event higher hour member
middle needed present result sorry takes training wish answer boy design finally girls gold gone
guess interest king learn policy society added alone average bank brought certain church east
hands hot longer medical movie original park performance press received role sent themselves
tried worked worth areas became bill books cool director exactly giving ground meeting provide
questions relationship sound source usually value evidence follow lives official production rate
reading round save stand stuff tax whatever amount blue countries drive eat fall fast federal
feeling felt green league management match model picture size step trust central changes forward
groups hey key mom page paid range review science trade upon various attention brother cannot
character chief cup football hate led looked lower natural property quality send style vote
amazing august blood china complete dog economic hell involved itself language lord oil related
serious stage terms title add article attack born damn decided decision enjoy entire french kill
met perhaps poor release situation technology turned website written choice code considered
continue council cover currently door election events financial foreign hair increase legal lose
pick race seem seven sign simple simply staff super union walk bed began built career changed
crazy daily daughter die difficult figure hospital knows loss modern ones paper parts popular
published safe starting systems version voice whose writing army earth forget goal huge internet
listen okay practice rules sea sir success towards waiting ways access base below created deep
followed la mark missing offer pass professional released risk schools sleep table ten truth
ball box build card cases dark district mine minister note percent piece products recent seeing
straight visit wall wanna wrote allowed boys culture etc fans gives growth included married
officer pain places respect response river rock shall speak specific standard tonight write
album century charge cold create effect eight except eye funny ii limited moving network peace
provided recently required sales spent store student tomorrow track via watching weight addition
ahead allow anti association beat brown capital committee conference difference double expect
gas island moved normal plans population potential pressure radio station text treatment western
ass beginning campaign certainly completely content credit cross described despite female focus
hi husband ice individual interesting join kept leading loved message miles nearly particular
previous quickly region reported section sort speed travel consider contact drop fair feet kid
link positive sale throughout tour welcome absolutely additional beyond conditions earlier extra
forces immediately jobs leaving minute nature numbers quick sell significant studies unless
winning agree clean computer construction episode favorite income justice levels manager
movement photo posted safety scene sold sounds spend statement sun teams ability announced
asking calling coach collection continued costs definitely designed expected gun happens heavy
includes knowledge particularly search subject train wide wow author claim dad developed fear
fit generally global goals gotta hotel interested judge lady leader letter lines material named
nobody opportunity plus product regular secretary sister stories unit workers annual anymore bar
battle brain contract degree families features finished floor growing hurt image insurance
majority meant opening opinion physical pro reach rule seriously sports stupid successful active
administration approach biggest cancer civil dance defense direction independent master none
reasons ship stock trump weekend wonder worst awesome band beach cash clearly commercial
compared effort ended fan fighting imagine impact lack latest learning multiple older operation
organization passed pictures protect secret senior spring telling wear activities address
analysis anyway bought calls choose color commission competition details direct dream easily
finish grand increased literally luck marriage names necessary patients resources rich skin
speaking supposed sweet thus touch yesterday caught closed congress damage directly disease
doctor doubt drink driving established feels fish gay glad greater grow largest machine notice
overall planning professor programs records reports shown sit trip associated basic captain
carry cars crime effective effects explain fully highly holding japan laws male parties plant
reality spot winter worse advice agreement award block broken caused challenge characters
comment equipment eventually helped holy killing lived lots nation otherwise prices primary
purpose rates responsible shop showing sick teacher theory uses agency avoid camera catch cell
coast comments drug economy environment executive foot hall mass meaning mission nine officers
operations politics pop produced ran status therefore trial truly weather activity app
application claims coffee complex condition division evening flight freedom google heat highest
interview library located location murder offered putting queen seconds showed sitting standing
stars walking accept actual appear attempt broke channel distance eating exchange fat fell
finding glass learned losing mobile northern opened placed powerful prior protection reached
receive religious ride royal screen serve signed slow species speech traffic tree types vs
wearing whom wonderful agreed airport animals appears begin benefits bottom cities demand engine
everybody famous ideas investment keeping lie notes partner plays raised runs sad solution songs
sources southern square stopped structure traditional twice wind worry appeared becomes brand
bus cent count covered critical digital forced fourth fresh lake mental mentioned missed mostly
mouth owner photos previously realize remain scale score separate smart starts surface throw
totally twitter views wedding acting actions arms benefit budget click estate failed faith
fashion feature fund generation hearing hill jack larger metal mid profile pull push returned
rose seat seemed sexual target understanding village agent animal apply authority basis becoming
draw dude employees enter ex follows foundation gain individuals leaders memory prime projects
ring rise selling served silver soul spread supply waste weird adult apparently artist chairman
edition engineering grade happening healthy institute method mike nations obviously option
prison provides remains senate smaller somebody stone strength users wild window winner arrived
bag bet camp cast continues correct dangerous ed extremely firm greatest handle improve indeed
leaves movies negative prevent removed spirit television till trouble videos advantage apart
aware cat customers decide dinner dollars eastern fifth function gift helping herself impossible
influence items marketing materials nor produce progress proud require shooting shut standards
tells thinks van wood background birth bridge carried classes completed concept copy dear dogs
drugs efforts garden host housing inc journal labor leadership length lucky neither onto patient
possibly prove rare setting skills software thousands tough units ad alive apple balance
birthday bitch boss cards changing connection dress easier fellow horse knowing liked magic
managed map net owned request stick turns vehicle volume wake aid beauty believed billion busy
buying cells concerned conversation corner criminal cultural develop driver ends existing farm
file fix fly frank guide images investigation operating paying presented raise responsibility
roll slightly suggest surprise technical thoughts treat unique variety violence weapons yours
youth appreciate bigger breaking discovered dry edge evil excited forever funds helps injury
iron lovely mad magazine martin models offers ordered parliament prepared reference religion
sites somewhere stated strategy teachers web wine accounts arm audience bay blog closer core
democratic description dropped excellent exist figures forms guard honest issued joined lee lies
likes medicine mention mountain nuclear orders port presence reaction reduce shoot sides solid
sport steps stress taste tea victory afternoon assistant citizens classic clothes decisions
electric emergency entered entirely facts failure festival flat fuel harry hello houses ill
initial introduced kick links mail massive matters pair picked pieces plane plenty prince proper
providing quarter regional session shape sky teaching toward transfer upper useful valley
watched willing windows zone accident advanced alternative anywhere articles awards bear boat
bringing capacity cheap climate communities discussion drinking duty fantastic feelings flying
governor hundred industrial joint mix museum options path plants policies promise proposed
purchase rain remove signs spending steel supporting terrible tired treated turning vice warm
afraid arts beer border command crew crowd dating dick elements enemy ensure environmental
filled fixed forest intelligence intended limit moon ocean powers profit proof republican
soldiers suit wins appearance attorney banks behavior bodies brothers buildings chair creating
debt domestic expensive grew historical homes honestly honor jump launch listed minimum native
noted originally planned ray sets suddenly supreme survey tech trees update user writer yellow
younger ancient attacks charges combined communication connected contains download email ending
exercise express flow formed girlfriend hero illegal increasing joke loan methods officials
performed planet relationships restaurant selected shared shopping soft stuck sugar suggested
supported surprised taught transport accepted adding affairs allows appeal applied appropriate
artists ca confirmed device drama entry era factor feed golden grant grown heads hoping keeps
lawyer legs lying measures mistake ms organizations platform pool pulled regarding relations
requires route saved schedule scientific shoes smoke squad teach testing tests values walked
abuse angry businesses candidate comfortable concern developing discuss elections emotional
everywhere facilities falling fox guns hole holiday interests internal jersey laugh leg letters
liberal listening loves lunch max milk pack payment perform recorded relatively sector sharing
snow storm streets strike studio sub weak actor advance apartment chain chapter committed
confidence cook cute equal fake finance focused hits identity journey kitchen leads maintain
measure mm numerous owners posts properties quiet revealed specifically split task taxes twenty
urban acts affected aircraft applications approved approximately argument arrested claimed
conflict considering corporate debate determined distribution documents escape extended factors
faster fault fill films flowers friendly ladies lay lights millions mixed phase properly pure
reduced requirements residents revenue sat secure smile strange talent temperature thousand tony
troops truck votes ah authorities basically besides bird blame bob bowl causes chicken collected
context coverage determine display dying elected examples experienced falls false fired forgot
funding identified iii incredible inspired launched ma meat ministry mode neck noticed novel
obvious passing positions remaining scored shirt shots slowly stadium stores surgery trading
vision whenever worried zero allowing begins champion charged cream crisis delivered editor
estimated giant jail kingdom literature mayor minor moments opposite orange ourselves pages
remained selection serving signal stream struggle suicide talked theme tiny typically
unfortunately usual vehicles voted voting walls wave alcohol assembly breakfast bright brings
capable carrying chosen combination conservative customer cutting desire destroyed draft drunk
essential fail familiar finds granted guilty humans hundreds id improved largely laughing
markets medium opportunities papers perfectly recommend referred relevant seek sending solo
spoke stands talks ticket unable upset wing answers birds bomb creative cycle dealing directed
don educational entertainment extreme facility fields goods hang holds info mainly maximum
newspaper offering painting republic reserve returns row salt scared shares statistics switch
territory threat tickets wales adults affect appointed armed aside assistance bell blow bond
boyfriend careful circumstances communications concerns controlled corporation cry danger deals
delivery deserve devices dollar dreams empty enjoyed explained faces folks fucked gender
instance kinda matches mile motion moves nick pacific prize realized reasonable receiving
register resolution rural saving sees singing tools typical universe warning wars admit attitude
branch conducted decades dedicated definition drawing favor flag frame guest ha heaven
independence institutions kiss load plot possibility random recovery rent replace represent
reviews scenes seeking senator sentence teeth tips trained understood academic academy accurate
achieve afford assume bottle bunch category chat cheese chemical competitive detail diet em
fruit harder index item lane mess navy normally occurred opposition parent permanent personally
pleasure prefer programme representative scheme shift stood storage tank tend tight
transportation ultimately unlike weekly yard anybody assets basketball button candidates combat
constitution consumer counter creation crown crying defined depending depression describe
drivers employment exclusive excuse expert frequently golf grace hopefully identify importance
laid latter manufacturing mining object partners pattern performing personnel perspective
pregnant premier promote revolution rooms severe sleeping suppose tool tournament turkey victim
victims agents amazon arrest attend ban brilliant carbon catholic chose circle concert crash
declared deliver depth deputy dirty doctors earned electronic error existence experiences
expression factory headed interior joy legislation maintenance manner mate matt nearby noise
origin panel personality plate practices prepare relief replaced resistance retail rice roads
roof shame ships somewhat staying stronger surely tip updated writers absolute advertising
agencies baseball bathroom bible cable calm championship checked client constant dates degrees
democrats doors driven dumb empire exciting expansion heavily hide incident linked manage
messages multi politicians print quit refused reporting sight significantly sing soviet weapon
wet widely worldwide ages anniversary attractive bike broad burn cake causing closely constantly
contest deaths depends drawn fees hardly hat height hidden invited letting loud marine motor
officially peak portion pounds princess protein puts raw reform regions represented respond
retirement sample seats secondary solar somehow stayed suffering tries ultimate unknown
wondering attached attacked automatically balls battery bills blind breath brief chest conduct
debut decade destroy differences engaged experts expressed external fantasy ft grab immediate
introduction license paint pilot pink presidential principal recognize recognized registered
regularly representatives rising seasons shipping singer smoking steam suffered survive tall
theatre therapy witness adopted aim campus cap chances childhood clinical clubs comedy commander
comparison covers defeat democracy detailed entitled exact exposed fed fee injured kinds lets
loans lock musical nose objects opposed organized plastic protected purposes quote recording
semi statements suspect swear techniques tie trend valuable wealth wise yards aged approval
aspects attempts bread burning champions contain convention dancing document eggs employee
engineer equivalent facing fairly fingers ford founded functions gang graduate hanging inner
islands lift marked memories miller monthly mountains neighborhood operate outstanding
permission porn racing recommended regulations reply republicans rid roman scientists shoulder
shower solutions sons stations tower tradition visited visual wheel achieved admitted
appointment authors barely bush cabinet celebrate challenges chocolate coal contemporary
criticism effectively extensive faced filed formation fought gained gallery highway historic
hunt improvement inch initially junior jury marks monster obtained philosophy pride promised
repeat returning riding rough settlement smell sought speaker studied suggests surrounding tone
topic universal vast visitors wanting auto consistent continuing earn exists finger grey guitar
heading ignore involving meal meanwhile meetings naturally necessarily offices pants partnership
payments percentage pocket practical primarily proved rape regardless relative represents rescue
resulting rush sessions sharp soccer stable structures supplies symptoms temporary tested trick
attended audio bone bullshit chamber chart circuit clothing complicated confused consequences
defend divided everyday extent fishing format gap gate gotten harm healthcare household
immigration impressive joining killer lesson limits loving managers membership mirror mount
nights occur parking proposal province purchased recognition reputation rolling shortly
situations strongly tears technique thin tied accused adventure argue assessment atmosphere
awful bedroom belief bound breaks carefully cats choices closing cloud colors contrast courses
courts drew egg element elsewhere establish extension files founder gear hills hip hitting
increases infrastructure locations loose machines moral offensive pa package pointed poverty
processes processing qualified railway reaching ridiculous sensitive server shock silence
soldier superior supporters thick threw tons transition violent voters wash acid actress
administrative alongside angel anxiety babies bars bonus castle charity clients compare
contained cooking covering curious directors discovery discussed duke encourage enforcement
featuring finals flash formal formula fort governments gray gross horses hungry informed
innocent losses math minds mistakes mystery networks palace passes penalty pet phones
photography producing protest publication rating refer respectively scheduled select silent
spoken successfully suffer temple tracks trail uncle unusual waters woods yo arrival asks
assault awareness badly bath captured chase components concrete deeply expectations explanation
exposure featured fiction guarantee happiness hearts horrible ideal injuries jimmy legend
lieutenant mini mood muscle passion picking pleased procedure producer pushing rank replacement
retired roles sand savings settled shadow singles tag tape thread visiting wage wings avenue
bags beating believes blocks boring checking clock commissioner commitment confident containing
copies crimes custom denied desk drinks ear electricity episodes farmers grounds gym helpful
horror label locked naked opens output persons pitch pizza plain pushed raising rear reveal
romantic scores sisters speaks stages strategic swimming welfare winners wire worker afterwards
alright android anger architecture assist attempted behalf belt capture centers ceremony comic
cops cuts designer diamond disappointed dressed economics efficient electrical employed enjoying
entering essentially establishment expecting explains flower ghost guests handed hockey hunting
industries judges kit lab languages maps min nervous newly odd op ordinary participate prayer
principles racist rarely references sexy skill soil solve stomach struck studying suck supports
trash ugly virus walker whoever amounts aspect banned boost bureau colonel comfort controls
cousin crack deck demands dies dragon dramatic dust engineers evolution foods hired illness
inspiration institution kings knife lately lowest memorial minority mum opinions patterns
presents priority promotion rail readers remote repair root saint steal stolen telephone tho
titles trans ups vol whereas abandoned acquired actors alliance annoying bid buddy buried butter
cares conclusion confirm congratulations contracts convinced crap crystal dean decent decline
delay describes desert downtown elite enemies forgotten forth gods hire hop hopes insane
installed landing layer managing marry nowhere nurse obtain organic ownership participants
poetry pot pray printed recall rugby sake sheet signing smooth spiritual stops string sudden
throwing thrown vacation abroad assigned associate assumed bench bother broadcast bye citizen
cleaning compete consists consumers contributed cricket critics damaged disaster discover
entrance equally fallen figured fitness friendship handling idiot intense keys lawyers lifetime
liquid makeup medal mortgage narrative narrow observed occasionally pan physics posting
potentially reduction reflect refuse researchers resource roger sciences serves shell silly
subsequent towns translation visible yep adds amendment angle arrive belong bishop channels
commonly connect defensive designs efficiency enterprise experiment females findings firms forum
gifts grass hence increasingly incredibly iv jay journalist kicked lessons lists maintained mill
mo occasion oxford pace passenger pen pope possession pp races rapid regulation resident rocks
shaped sixth spin styles subjects sucks suitable thirty valid vital whilst agriculture alleged
bands collect commerce cop creek currency emotions exhibition fraud funeral genuine honey hook
hunter immigrants improving instructions introduce km lands legacy log merely monitor prisoners
programming publishing ratio regret rejected remind resort resulted reverse routine scary seed
settle sin spell summary survival sword tongue ward waves achievement argued asleep automatic
begun cents coat comprehensive consent daddy destruction diseases divorce doc drove ears engage
extraordinary fate frequency gaming gene glory headquarters heritage initiative interviews juice
landscape logic meets objective privacy procedures profits reducing regard representing
residence roughly salary scoring script searching sections strip surrounded threatened
transferred tube universities writes ambassador apps awarded banking breast cant chemistry
concluded consumption corruption cotton crossed discount dozen engines epic exception exit
expand fancy gorgeous grateful heroes holes impression inches indicate input josh knock leather
lips luxury lyrics manufacturers masters movements operated ought outcome painted poll preferred
pulling ranked referring removal rep reporter risks rob screaming sequence stretch tear tennis
terrorist theater ties twelve versions virgin voices wishes wolf absence agricultural asshole
ate athletes bears blues boxes bull cameras commonwealth contribute contribution contributions
couples delicious deny deserves ease extend fame flood generated genetic glasses impressed
indicated instant investors involves kills liberty maria ministers monitoring occurs passengers
photographs principle producers progressive punishment rally rapidly reader representation
restaurants reveals roots samples shops sum swing tail texts twin upcoming veterans alert arena
arguments billy boom boots brave claiming column commit compensation composition computers
conservation constitutional crossing defending density difficulty dropping drops elementary
ethnic expenses fleet foster fundamental gen genius greatly guidance hospitals infection
intention jokes knee mechanical parks participation periods precious pregnancy premium preparing
pretend priest prominent proven radical remembered requested residential reward rings robin
satellite shake shore spots stats struggling substantial teen temperatures transmission trap
uniform wildlife wooden ads aggressive answered apparent bang blast bones brands centuries
communist complaint component connections courage cure desperate diversity duties encouraged eve
faculty feedback fighter frozen guards hiding humanity innovation instruments invest jacket
legislative listing manual mothers murdered nursing occupied ongoing operator painful pound
preparation punch purple railroad registration releases rick romance submitted sufficient
survived suspended technologies tissue trailer trends trials underground versus virtual walks
wounded amongst announcement arranged arsenal attending attracted biological bite blocked boards
burned categories checks chip concerning dare database define discrimination disorder
distributed districts documentary domain dynamic edited engagement explore fewer footage giants
grave implementation investigate jazz laboratory literary mask midnight mouse packed piano
praise presentation psychology relation restrictions rocket ruin sec secrets slave stability
steady stones symbol terminal toilet treaty triple unlikely updates viewed affair agenda bat bow
calendar cape collective conversations cooperation craft darkness deeper devil edit enable
equity estimates failing finishing fortune gates goodbye hardware hurts intellectual invite
involvement mi nuts partly petition phrase physically protecting racial rated regime rivers
rounds ruled sauce seal separated shield similarly slide stem summit talented throat tiger
touched toy visits warriors wisdom accounting alien attacking awkward beast beef candy carrier
celebration celebrity certificate cited clay coaching colleagues constructed dated default
derived dialogue disabled distinct drag educated eligible estimate execution existed fifty
followers fool framework franchise funded furniture generations guaranteed integrated
intelligent interaction jet journalists lifestyle lighting loop mall overseas performances
polish recommendations recover regarded relax reliable rely remarkable responses ruling
sacrifice sole stopping strategies succeed tables tale targets timing ton volunteers witnesses
wore worship worthy acted alarm bass bloody breathing butt characteristics collaboration con
consideration counts creates crucial daughters dependent discussions drives dual equipped
expanded experimental feeding filter galaxy globe grades gulf highlights hoped intent involve
judgment knight logo mature odds peaceful photographer pin prevention printing promoting
publicly pump repeated replied requests revenge satisfied seeds signals slip spaces spare
specialist stocks stranger submit surprising tap threats tourism volunteer acceptable allies
attempting auction bonds challenging chaos churches cm composed concentration copper corp corps
counting credits dawn dispute earnings editing executed firing fits frequent gardens gathered
hilarious huh ignored improvements investments margin mars mechanism moderate opera overcome
parallel passage pit psychological publications quest radiation shocked sized stroke stunning
tanks topics trains traveling treating tune utility vessel weed wherever acquisition addressed
angels anime announce autumn backed bold borders breathe choosing classical classified clip
coaches coins concepts conspiracy controversy convince cooper disappeared eh encounter equality
exam examination fails federation fiscal guardian homeless instrument intervention lover
mainstream menu mounted mutual nope occasions offense oral panic pays peoples pursue refugees
removing requirement responded rip ruined scope segment spectrum stays terror uh venture
virtually waited warren worn yea accompanied aids aimed alpha approaches arguing arrangement
beliefs boats boundaries brick colleges considerable conventional designated emperor employers
enormous errors focusing forgive gains garage gathering guidelines handled hosted inquiry
inspector jumped khan lion loaded lonely maintaining measured mercy nevertheless newspapers
outer oxygen pipe pissed poem powder powered promises quotes racism ratings reads recovered
refers rude screw seventh shelter signature sooner spider strikes suggesting suits toys tracking
tribute trigger vary venue wages wells wheels ye abortion accuracy applying artificial belongs
beneath bitcoin bullet burns celebrated consistently conversion copyright counties democrat
deposit destination dirt diverse divine emails exclusively export fastest formerly functional
gather grandfather habit indicates isolated jealous knocked landed laughed lazy mama modified
municipal naval neighbors neutral noble oldest pat picks popularity professionals pussy
reactions relate robot sacred securities shoe speakers springs spy suggestions supplied
suspension terrorism terry toxic treasury tunnel unions upgrade warrant wider wound actively
applies arrangements asset assuming backing baker blessed brush burden carries casual certified
charter chef civilian coalition cock complain complaints controversial describing differently
directions discipline discussing disgusting dominant earning essay expense explaining
furthermore graphic healing hiring hosts implemented instantly invasion jumping laptop legendary
maker opponents outdoor palm photograph pole pub quarters rangers ranks reception recipe
regulatory reviewed rolls rubber secured serial settings shed snake sponsored stealing strict
subsequently substance suggestion syndrome tasks trips ultra unexpected usage worlds
accidentally affordable amateur appeals bearing beats bin biology bobby briefly canal cancelled
cheaper climb competing completion cruise custody delete demonstrated departure developers
developments dig eagles employer explosion fever fluid folk generate handsome ho holidays hotels
imagination integration integrity interpretation leaf legitimate lightning loads longest magical
mills motivation nasty outfit pension permit plates pleasant portrait productive reminds
reserves safely shirts shorter slight socialist streaming sue targeted tension theories touching
transactions twist ugh unemployment unity useless viewers winds woke abilities advocate aims arc
backup beaten bitter blown branches campaigns chips clever clinic closest collections continuous
converted correctly creator creatures criteria declined detective difficulties disability dish
duck evaluation excess farming fence fighters flights forcing forming gradually gravity habits
highlight holder hood hung identical imperial investigations ken legally lied listened males
manufacturer meters nail negotiations nonsense operational owns phoenix playoffs poet quoted
relating repeatedly rolled scientist sink skip slavery snap sorts souls stole swim transaction
transformation veteran vulnerable wealthy additionally attract beta blowing bored bronze bug
caring catching cave cheating chronic cleared communicate convicted cultures dealt delayed
demonstrate departments depend developer diagnosis dismissed distinguished dose eighth
experiments fa flesh flip forty generous hated hr implement incorporated influenced kidding
laser loyal marijuana mentally missions occupation opponent paintings patch patience pointing
pollution precisely prisoner privilege proposals protests punk radar regards relatives resist
solely stepped striking terrorists tourist transit trucks trusted vessels villa volumes websites
wireless wondered wrap wright yoga adopt airlines albums anytime bacteria beings beside blade
boot bottles bucks bulk camps cargo census coastal coin colored commentary confusion
congressional corn cried customs dealer deemed destiny distant electronics emerging emotion
emphasis ethics excitement exploration fights filling filming graphics humor insight invested
lit mar meals nerve nightmare operators overnight partially participating pie platforms
populations poster practically preserve produces qualify raid ram ranging ranking receives
respective restricted routes sandy scenario sheep situated slaves spotted spreading sustainable
sustained taxi themes threatening tobacco trace trapped turner uncomfortable wasted weakness
widespread accepting accessible acknowledge advised advisory animation assignment balanced bare
basement bases battles bias bits cancel carpet ceiling cherry chill classification clue codes
collapse collecting compound conscious consecutive contents costume deleted devoted displayed
dominated earl endless escaped examine floating garbage gospel grain grid grows heating
identification knees lap lions liver metro metropolitan mines mixture nominated oak
parliamentary patent perception physician proceed proceedings pupils reserved restore rifle
rival rs runner sadly shoulders significance sits sizes slept soap spray stored stressed
structural suite tropical unnecessary verse victor vintage warned acres adapted adoption
anonymous approaching artistic attendance aviation barrel beds beloved bless boxing celebrating
charging chemicals chuck cinema colonial comics compliance contrary controlling corporations
couch crush dam decrease defeated diabetes dressing expanding fears fires genre gentle grammar
illustrated invented jam layers lease lens licensed loyalty magnetic monsters mysterious notion
partial piss placing propaganda rat reflection reminded resolve revolutionary scandal shine
simultaneously substitute surveillance tactics testimony treasure trophy tweet underlying unfair
villages acceptance accidents affects annually apologize appreciated approached arriving ash
aunt bubble buyers casino charts clouds connecting counsel creature deadly decides desired
determination embrace emerged exhibit flew gentleman gm hammer hosting icon imposed indigenous
infinite installation inter interactions introducing kicking laying legislature liability makers
marathon marvel moreover ours parade paradise perceived planes politician preliminary premiere
presidency reaches react realistic remarks retain rocky saints satisfaction scratch shade sheets
sheriff shy sometime spirits sporting strictly sunshine teens thou tier travelling vocal warrior
worries yield accomplished admission adventures appearing bacon barrier believing blacks bombs
burst caps casting cattle cc classroom
"""

COMMON_WORDS: tuple[str, ...] = tuple(_WORDS.split())
COMMON_RANK: dict[str, int] = {w: i for i, w in enumerate(COMMON_WORDS)}

"""People, places and organisations of the demo company: names that fit each market.

Persian, Arabic and Russian names are listed by hand with their usual Latin spelling (for e-mail
addresses): Faker's fa_IR and ar_SA name lists hold many rare names and their address providers
mix English words into the text. English names and street addresses, and Russian street
addresses, come from Faker.
"""

from __future__ import annotations

# (native, latin) pairs.
FA_MALE = [
    ("محمد", "mohammad"), ("علی", "ali"), ("حسین", "hossein"), ("رضا", "reza"), ("مهدی", "mahdi"),
    ("امیر", "amir"), ("حمید", "hamid"), ("سعید", "saeed"), ("مجید", "majid"), ("احمد", "ahmad"),
    ("محسن", "mohsen"), ("جواد", "javad"), ("مصطفی", "mostafa"), ("کاوه", "kaveh"), ("آرش", "arash"),
    ("بهزاد", "behzad"), ("پویا", "pouya"), ("سینا", "sina"), ("نیما", "nima"), ("فرهاد", "farhad"),
    ("بابک", "babak"), ("کامران", "kamran"), ("امید", "omid"), ("حامد", "hamed"), ("وحید", "vahid"),
    ("مسعود", "masoud"), ("امیرحسین", "amirhossein"), ("محمدرضا", "mohammadreza"), ("علیرضا", "alireza"),
    ("سجاد", "sajjad"), ("پیمان", "peyman"), ("رامین", "ramin"), ("بهرام", "bahram"), ("داریوش", "dariush"),
    ("کیوان", "keyvan"), ("میلاد", "milad"), ("عرفان", "erfan"), ("آرین", "arian"), ("مهران", "mehran"),
    ("هادی", "hadi"), ("یوسف", "yousef"), ("ابوالفضل", "abolfazl"), ("مرتضی", "morteza"), ("مجتبی", "mojtaba"),
    ("ناصر", "naser"), ("شهاب", "shahab"), ("پارسا", "parsa"), ("کیان", "kian"),
]
FA_FEMALE = [
    ("فاطمه", "fatemeh"), ("زهرا", "zahra"), ("مریم", "maryam"), ("سارا", "sara"), ("نرگس", "narges"),
    ("لیلا", "leila"), ("مینا", "mina"), ("نازنین", "nazanin"), ("الهام", "elham"), ("شیما", "shima"),
    ("پریسا", "parisa"), ("نگار", "negar"), ("مهسا", "mahsa"), ("سمیرا", "samira"), ("فرزانه", "farzaneh"),
    ("آزاده", "azadeh"), ("ندا", "neda"), ("معصومه", "masoumeh"), ("زینب", "zeynab"), ("هانیه", "haniyeh"),
    ("کیمیا", "kimia"), ("یاسمن", "yasaman"), ("آیدا", "aida"), ("شیرین", "shirin"), ("مهناز", "mahnaz"),
    ("رویا", "roya"), ("سپیده", "sepideh"), ("بهاره", "bahareh"), ("نسرین", "nasrin"), ("ستاره", "setareh"),
    ("هستی", "hasti"), ("ریحانه", "reyhaneh"), ("ملیکا", "melika"), ("فرشته", "fereshteh"), ("گلناز", "golnaz"),
    ("ترانه", "taraneh"), ("آتنا", "atena"), ("پرستو", "parastoo"), ("مرجان", "marjan"), ("سحر", "sahar"),
]
FA_LAST = [
    ("محمدی", "mohammadi"), ("احمدی", "ahmadi"), ("حسینی", "hosseini"), ("رضایی", "rezaei"), ("کریمی", "karimi"),
    ("موسوی", "mousavi"), ("جعفری", "jafari"), ("صادقی", "sadeghi"), ("رحیمی", "rahimi"), ("کاظمی", "kazemi"),
    ("قاسمی", "ghasemi"), ("حیدری", "heydari"), ("نوری", "nouri"), ("ابراهیمی", "ebrahimi"), ("اکبری", "akbari"),
    ("عباسی", "abbasi"), ("طاهری", "taheri"), ("هاشمی", "hashemi"), ("سلیمانی", "soleimani"), ("شریفی", "sharifi"),
    ("محمودی", "mahmoudi"), ("زمانی", "zamani"), ("مرادی", "moradi"), ("یوسفی", "yousefi"), ("نجفی", "najafi"),
    ("اسدی", "asadi"), ("باقری", "bagheri"), ("امینی", "amini"), ("نظری", "nazari"), ("فرهادی", "farhadi"),
    ("کرمانی", "kermani"), ("تهرانی", "tehrani"), ("اصفهانی", "esfahani"), ("شیرازی", "shirazi"), ("تبریزی", "tabrizi"),
    ("رستمی", "rostami"), ("خسروی", "khosravi"), ("سعیدی", "saeedi"), ("بهرامی", "bahrami"), ("منصوری", "mansouri"),
    ("قربانی", "ghorbani"), ("یزدانی", "yazdani"), ("پورمحمدی", "pourmohammadi"), ("علوی", "alavi"),
    ("میرزایی", "mirzaei"), ("جلالی", "jalali"), ("فتحی", "fathi"), ("توکلی", "tavakoli"), ("دهقان", "dehghan"),
    ("صالحی", "salehi"), ("افشار", "afshar"), ("نیک‌نام", "niknam"), ("شجاعی", "shojaei"), ("ملکی", "maleki"),
    ("کامرانی", "kamrani"), ("وحیدی", "vahidi"), ("آقایی", "aghaei"), ("رنجبر", "ranjbar"), ("سلطانی", "soltani"),
    ("زارعی", "zarei"),
]

AR_MALE = [
    ("محمد", "mohammed"), ("أحمد", "ahmed"), ("عبدالله", "abdullah"), ("خالد", "khalid"), ("فهد", "fahad"),
    ("سلطان", "sultan"), ("عمر", "omar"), ("يوسف", "yousef"), ("علي", "ali"), ("فيصل", "faisal"),
    ("سعود", "saud"), ("ناصر", "nasser"), ("ماجد", "majed"), ("راشد", "rashid"), ("حمد", "hamad"),
    ("سعيد", "saeed"), ("طارق", "tariq"), ("مازن", "mazen"), ("نايف", "nayef"), ("بدر", "badr"),
    ("تركي", "turki"), ("عبدالرحمن", "abdulrahman"), ("زياد", "ziyad"), ("إبراهيم", "ibrahim"),
    ("حسن", "hassan"), ("وليد", "waleed"), ("ياسر", "yasser"), ("منصور", "mansour"), ("هشام", "hisham"),
    ("عادل", "adel"),
]
AR_FEMALE = [
    ("فاطمة", "fatima"), ("نورة", "noura"), ("سارة", "sarah"), ("ريم", "reem"), ("مريم", "maryam"),
    ("لطيفة", "latifa"), ("هند", "hind"), ("عائشة", "aisha"), ("منى", "mona"), ("ليلى", "layla"),
    ("دانة", "dana"), ("شهد", "shahad"), ("جواهر", "jawaher"), ("أمل", "amal"), ("رنا", "rana"),
    ("هيا", "haya"), ("العنود", "alanoud"), ("لمى", "lama"), ("نوف", "nouf"), ("سلمى", "salma"),
]
AR_LAST = [
    ("القحطاني", "alqahtani"), ("العتيبي", "alotaibi"), ("الشمري", "alshammari"), ("الدوسري", "aldosari"),
    ("الحربي", "alharbi"), ("الغامدي", "alghamdi"), ("الزهراني", "alzahrani"), ("المطيري", "almutairi"),
    ("السبيعي", "alsubaie"), ("العنزي", "alanazi"), ("الشهري", "alshehri"), ("المالكي", "almalki"),
    ("الكعبي", "alkaabi"), ("المنصوري", "almansoori"), ("الظاهري", "aldhaheri"), ("النعيمي", "alnuaimi"),
    ("الشامسي", "alshamsi"), ("المهيري", "almheiri"), ("الهاشمي", "alhashimi"), ("البلوشي", "albalushi"),
    ("الفلاسي", "alfalasi"), ("السويدي", "alsuwaidi"), ("الرميثي", "alremeithi"), ("الخطيب", "alkhatib"),
    ("حداد", "haddad"), ("الحمادي", "alhammadi"), ("الكتبي", "alketbi"), ("العمري", "alomari"),
    ("التميمي", "altamimi"), ("الأحمد", "alahmad"),
]

RU_MALE = [
    ("Александр", "aleksandr"), ("Дмитрий", "dmitry"), ("Сергей", "sergey"), ("Андрей", "andrey"),
    ("Алексей", "alexey"), ("Иван", "ivan"), ("Максим", "maxim"), ("Михаил", "mikhail"), ("Николай", "nikolay"),
    ("Артём", "artem"), ("Евгений", "evgeny"), ("Владимир", "vladimir"), ("Павел", "pavel"), ("Роман", "roman"),
    ("Денис", "denis"), ("Игорь", "igor"), ("Олег", "oleg"), ("Кирилл", "kirill"), ("Антон", "anton"),
    ("Илья", "ilya"),
]
RU_FEMALE = [
    ("Анна", "anna"), ("Елена", "elena"), ("Ольга", "olga"), ("Наталья", "natalia"), ("Екатерина", "ekaterina"),
    ("Мария", "maria"), ("Татьяна", "tatiana"), ("Ирина", "irina"), ("Светлана", "svetlana"), ("Юлия", "yulia"),
    ("Анастасия", "anastasia"), ("Дарья", "daria"), ("Ксения", "ksenia"), ("Марина", "marina"),
    ("Виктория", "viktoria"), ("Полина", "polina"), ("Алина", "alina"), ("Евгения", "evgenia"),
]
# Male form; the female form adds "а" / "a".
RU_LAST = [
    ("Иванов", "ivanov"), ("Смирнов", "smirnov"), ("Кузнецов", "kuznetsov"), ("Попов", "popov"),
    ("Васильев", "vasiliev"), ("Петров", "petrov"), ("Соколов", "sokolov"), ("Михайлов", "mikhailov"),
    ("Новиков", "novikov"), ("Фёдоров", "fedorov"), ("Морозов", "morozov"), ("Волков", "volkov"),
    ("Алексеев", "alekseev"), ("Лебедев", "lebedev"), ("Семёнов", "semenov"), ("Егоров", "egorov"),
    ("Павлов", "pavlov"), ("Козлов", "kozlov"), ("Степанов", "stepanov"), ("Николаев", "nikolaev"),
    ("Орлов", "orlov"), ("Андреев", "andreev"), ("Макаров", "makarov"), ("Захаров", "zakharov"),
    ("Зайцев", "zaytsev"), ("Соловьёв", "solovyov"), ("Борисов", "borisov"), ("Яковлев", "yakovlev"),
    ("Григорьев", "grigoriev"), ("Романов", "romanov"), ("Белов", "belov"), ("Тарасов", "tarasov"),
    ("Беляев", "belyaev"), ("Комаров", "komarov"), ("Виноградов", "vinogradov"),
]

# city, weight, streets, postcode prefix
FA_CITIES = [
    ("تهران", 45, ["خیابان ولیعصر", "خیابان شریعتی", "خیابان انقلاب", "خیابان آزادی", "خیابان مطهری",
                   "خیابان پاسداران", "خیابان ستارخان", "بلوار میرداماد", "خیابان جردن", "بلوار فردوس غرب",
                   "خیابان دولت", "خیابان پیروزی"], "1"),
    ("اصفهان", 15, ["خیابان چهارباغ عباسی", "خیابان نظر شرقی", "خیابان شیخ صدوق", "خیابان آپادانا",
                    "خیابان هشت بهشت", "بلوار کشاورز"], "81"),
    ("شیراز", 12, ["خیابان زند", "خیابان ملاصدرا", "بلوار چمران", "خیابان قصردشت", "بلوار معالی‌آباد",
                   "خیابان عفیف‌آباد"], "71"),
    ("مشهد", 15, ["بلوار احمدآباد", "بلوار سجاد", "بلوار وکیل‌آباد", "خیابان امام رضا", "بلوار هاشمیه",
                  "بلوار فردوسی"], "91"),
    ("تبریز", 13, ["خیابان ولیعصر", "خیابان آزادی", "خیابان امام خمینی", "خیابان ارتش", "بلوار ۲۹ بهمن",
                   "خیابان شریعتی"], "51"),
]
FA_PLACE = ["کوچه {n}", "کوچه گلستان", "کوچه بهار", "کوچه نسترن", "کوچه یاس", "کوچه شهید {last}", "بن‌بست {n}"]

# city, country, time zone, weight, districts, streets
AR_CITIES = [
    ("الرياض", "SA", "Asia/Riyadh", 30, ["حي العليا", "حي الملقا", "حي النرجس", "حي الياسمين", "حي السليمانية"],
     ["طريق الملك فهد", "شارع التحلية", "طريق الأمير محمد بن سلمان", "طريق العروبة"]),
    ("جدة", "SA", "Asia/Riyadh", 17, ["حي الروضة", "حي الشاطئ", "حي الزهراء", "حي السلامة"],
     ["طريق الملك عبدالعزيز", "شارع فلسطين", "شارع الأمير سلطان"]),
    ("الدمام", "SA", "Asia/Riyadh", 8, ["حي الفيصلية", "حي الشاطئ الغربي", "حي الريان"],
     ["طريق الملك سعود", "شارع الأمير محمد بن فهد"]),
    ("دبي", "AE", "Asia/Dubai", 28, ["مرسى دبي", "البرشاء", "ديرة", "جميرا", "الكرامة"],
     ["شارع الشيخ زايد", "شارع الوصل", "شارع الرقة", "شارع الخليج"]),
    ("أبوظبي", "AE", "Asia/Dubai", 11, ["الخالدية", "البطين", "جزيرة الريم"], ["شارع الكورنيش", "شارع المرور"]),
    ("الشارقة", "AE", "Asia/Dubai", 6, ["النهدة", "المجاز", "القاسمية"], ["شارع الوحدة", "شارع الملك فيصل"]),
]
# city, weight, postcode prefix
RU_CITIES = [("Москва", 55, "1"), ("Санкт-Петербург", 25, "19"), ("Казань", 10, "420"), ("Нижний Новгород", 10, "603")]
# city, state, time zone, area codes, weight
US_CITIES = [
    ("New York", "NY", "America/New_York", ["212", "646", "718"], 18),
    ("Boston", "MA", "America/New_York", ["617", "857"], 8),
    ("Atlanta", "GA", "America/New_York", ["404", "678"], 7),
    ("Chicago", "IL", "America/Chicago", ["312", "773"], 12),
    ("Austin", "TX", "America/Chicago", ["512", "737"], 8),
    ("Denver", "CO", "America/Denver", ["303", "720"], 6),
    ("Seattle", "WA", "America/Los_Angeles", ["206", "425"], 9),
    ("San Jose", "CA", "America/Los_Angeles", ["408", "669"], 8),
    ("Los Angeles", "CA", "America/Los_Angeles", ["213", "310", "323"], 14),
]
GB_CITIES = [("London", 40), ("Manchester", 14), ("Birmingham", 12), ("Leeds", 9), ("Bristol", 9), ("Edinburgh", 8),
             ("Glasgow", 8)]

# Mobile prefixes (national significant number) that phonenumbers accepts; the rest is random.
PHONE_PREFIXES = {
    "IR": ["912", "919", "935", "936", "937", "938", "939", "901", "902", "903", "990", "991", "921", "911", "913",
           "914", "915", "917"],
    "GB": ["7400", "7412", "7444", "7500", "7534", "7700", "7712", "7800", "7825", "7900", "7931", "7956"],
    "SA": ["50", "53", "54", "55", "56", "58", "59"],
    "AE": ["50", "52", "54", "55", "56", "58"],
    "RU": ["903", "905", "906", "909", "915", "916", "917", "919", "921", "925", "926", "977", "985", "999"],
}
PHONE_LENGTH = {"IR": 10, "GB": 10, "SA": 9, "AE": 9, "RU": 10, "US": 10}

# Consumer e-mail domains are reserved example domains, so a demo never writes to a real mailbox.
EMAIL_DOMAINS = ["example.com", "example.net", "example.org"]

# name, language, domain
ORGANISATIONS = [
    ("بازرگانی آریا تجارت", "fa", "aria-tejarat.example"),
    ("هتل آسمان", "fa", "hotel-aseman.example"),
    ("شرکت مهندسی نوآوران پارس", "fa", "noavaran-pars.example"),
    ("کلینیک دندانپزشکی لبخند", "fa", "labkhand-clinic.example"),
    ("دفتر حقوقی عدالت‌گستر", "fa", "edalat-law.example"),
    ("رستوران زیتون", "fa", "zeytoon-restaurant.example"),
    ("مدرسه غیرانتفاعی فرهیختگان", "fa", "farhikhtegan-school.example"),
    ("شرکت حمل و نقل سپهر", "fa", "sepehr-transport.example"),
    ("آموزشگاه زبان آوا", "fa", "ava-language.example"),
    ("کافه کتاب مهتاب", "fa", "mahtab-cafe.example"),
    ("شرکت ساختمانی البرز سازه", "fa", "alborz-sazeh.example"),
    ("داروخانه دکتر رحیمی", "fa", "rahimi-pharmacy.example"),
    ("آژانس مسافرتی پرواز", "fa", "parvaz-travel.example"),
    ("دفتر معماری طرح نو", "fa", "tarhe-no.example"),
    ("داده‌پردازان سپید", "fa", "sepid-data.example"),
    ("باشگاه ورزشی پارسه", "fa", "parseh-club.example"),
    ("Harbor Point Hotels", "en", "harborpoint.example"),
    ("Greenleaf Dental Group", "en", "greenleafdental.example"),
    ("Brightside Property Management", "en", "brightside-pm.example"),
    ("Oakridge Primary School", "en", "oakridge-school.example"),
    ("Bluewater Logistics", "en", "bluewater-logistics.example"),
    ("Maple & Finch Architects", "en", "maplefinch.example"),
    ("Summit Legal LLP", "en", "summitlegal.example"),
    ("Riverside Co-working", "en", "riverside-cowork.example"),
    ("Copperline Cafés", "en", "copperline.example"),
    ("Lakeshore Veterinary Clinic", "en", "lakeshore-vets.example"),
    ("Kingsgate Serviced Apartments", "en", "kingsgate-apartments.example"),
    ("Northfield Family Practice", "en", "northfield-practice.example"),
    ("مجموعة الخليج للتجارة", "ar", "gulf-trading.example"),
    ("فندق النخيل الذهبي", "ar", "golden-palm-hotel.example"),
    ("مؤسسة الرواد للمقاولات", "ar", "alrowad-contracting.example"),
    ("عيادات الابتسامة لطب الأسنان", "ar", "smile-clinics.example"),
    ("مدارس المستقبل الأهلية", "ar", "almustaqbal-schools.example"),
    ("شركة الأفق للخدمات اللوجستية", "ar", "alofuq-logistics.example"),
    ("مطاعم بيت الزعتر", "ar", "bait-alzaatar.example"),
    ("مكتب الصفوة للمحاماة", "ar", "alsafwa-law.example"),
    ("ООО «Северный ветер»", "ru", "severny-veter.example"),
    ("ООО «Вектор-Строй»", "ru", "vector-stroy.example"),
    ("Гостиница «Волга»", "ru", "hotel-volga.example"),
    ("ООО «Интегра Сервис»", "ru", "integra-service.example"),
]

# key, e-mail, role, full name, language, time zone, spoken languages, name per language
STAFF = [
    ("admin", "admin@demo.vafa.test", "admin", "Kaveh Moradi", "en", "Asia/Tehran", ("en", "fa"), {}),
    ("manager", "manager@demo.vafa.test", "manager", "Leila Hosseini", "en", "Asia/Tehran", ("en", "fa"), {}),
    ("sara", "agent.sara@demo.vafa.test", "agent", "Sara Rezaei", "fa", "Asia/Tehran", ("fa", "en"),
     {"fa": "سارا رضایی"}),
    ("john", "agent.john@demo.vafa.test", "agent", "John Carter", "en", "Europe/London", ("en",), {}),
    ("reza", "agent.reza@demo.vafa.test", "agent", "Reza Karimi", "fa", "Asia/Tehran", ("fa", "en"),
     {"fa": "رضا کریمی"}),
    ("maryam", "agent.maryam@demo.vafa.test", "agent", "Maryam Jafari", "fa", "Asia/Tehran", ("fa",),
     {"fa": "مریم جعفری"}),
    ("ali", "agent.ali@demo.vafa.test", "agent", "Ali Nazari", "fa", "Asia/Tehran", ("fa", "en"), {"fa": "علی نظری"}),
    ("neda", "agent.neda@demo.vafa.test", "agent", "Neda Sharifi", "fa", "Asia/Tehran", ("fa", "en"),
     {"fa": "ندا شریفی"}),
    ("layla", "agent.layla@demo.vafa.test", "agent", "Layla Haddad", "ar", "Asia/Dubai", ("ar", "en"),
     {"ar": "ليلى حداد"}),
    ("omar", "agent.omar@demo.vafa.test", "agent", "Omar Al-Khatib", "ar", "Asia/Riyadh", ("ar", "en"),
     {"ar": "عمر الخطيب"}),
    ("olga", "agent.olga@demo.vafa.test", "agent", "Olga Smirnova", "ru", "Europe/Moscow", ("ru", "en"),
     {"ru": "Ольга Смирнова"}),
    ("emma", "agent.emma@demo.vafa.test", "agent", "Emma Walsh", "en", "Europe/London", ("en",), {}),
]

# name, description, lead, members
TEAMS = [
    ("Phones & laptops", "Mobile phones, tablets, laptops and their accessories.", "reza",
     ["reza", "sara", "john", "omar", "olga"]),
    ("Home appliances", "Washing machines, refrigerators, dishwashers, air conditioners, TVs and small appliances.",
     "maryam", ["maryam", "ali", "emma", "layla", "olga"]),
    ("Returns & warranty", "Warranty claims, returns, replacements and refunds.", "sara",
     ["sara", "neda", "john", "layla", "olga"]),
    ("VIP desk", "Gold and VIP customers and business accounts.", "neda", ["neda", "john", "omar", "olga"]),
]

# The customer behind the portal demo account.
DEMO_CUSTOMER_FIRST = ("نرگس", "narges")
DEMO_CUSTOMER_LAST = ("احمدی", "ahmadi")
DEMO_CUSTOMER_EMAIL = "customer@demo.vafa.test"

"""Short, realistic help articles in English, Persian, Arabic and Russian for the search-quality tests.

Each entry: key -> {language: (title, body)}. The Persian texts are written as Persian keyboards
type them (ی, ک, ZWNJ in می‌شود); the tests query them with Arabic letters and without ZWNJ.
"""

from __future__ import annotations

ARTICLES: dict[str, dict[str, tuple[str, str]]] = {
    "battery": {
        "en": (
            "Battery drains fast",
            "If your phone's battery drains within a few hours, open Settings › Battery to see which apps "
            "use the most power. Lower the screen brightness, turn off background refresh and location for "
            "apps that do not need it, and install the latest system update. A battery older than two years "
            "holds less charge: we can test it at a service centre.",
        ),
        "fa": (
            "باتری گوشی زود خالی می‌شود",
            "اگر شارژ باتری گوشی شما در چند ساعت تمام می‌شود، به تنظیمات › باتری بروید و ببینید کدام "
            "برنامه‌ها بیشترین مصرف را دارند. نور صفحه را کم کنید، به‌روزرسانی پس‌زمینه و موقعیت مکانی را "
            "برای برنامه‌هایی که لازم ندارند خاموش کنید و آخرین به‌روزرسانی سیستم را نصب کنید. باتری "
            "قدیمی‌تر از دو سال شارژ کمتری نگه می‌دارد و در مرکز خدمات آزمایش می‌شود.",
        ),
        "ar": (
            "البطارية تنفد بسرعة",
            "إذا كانت بطارية هاتفك تنفد خلال ساعات قليلة، افتح الإعدادات › البطارية لمعرفة التطبيقات التي "
            "تستهلك أكثر طاقة. خفّض سطوع الشاشة وأوقف التحديث في الخلفية وتحديد الموقع للتطبيقات التي لا "
            "تحتاجه، وثبّت آخر تحديث للنظام. البطارية التي يزيد عمرها عن سنتين تحتفظ بشحن أقل.",
        ),
        "ru": (
            "Батарея быстро разряжается",
            "Если батарея телефона садится за несколько часов, откройте Настройки › Аккумулятор и "
            "посмотрите, какие приложения расходуют больше всего энергии. Уменьшите яркость экрана, "
            "отключите фоновое обновление и геолокацию для приложений, которым они не нужны, и установите "
            "последнее обновление системы. Батарея старше двух лет держит заряд хуже: её можно проверить в "
            "сервисном центре.",
        ),
    },
    "charging": {
        "en": (
            "The phone does not charge",
            "Check the cable and the charger with another device, clean the charging port gently with a dry "
            "brush and restart the phone. If the charging icon appears but the level does not rise, the "
            "charger may be too weak for the phone.",
        ),
        "fa": (
            "گوشی شارژ نمی‌شود",
            "کابل و شارژر را با دستگاه دیگری امتحان کنید، درگاه شارژ را با برس خشک تمیز کنید و گوشی را "
            "دوباره راه‌اندازی کنید. اگر علامت شارژ دیده می‌شود ولی درصد بالا نمی‌رود، شارژر برای گوشی "
            "ضعیف است.",
        ),
        "ar": (
            "الهاتف لا يشحن",
            "جرّب الكابل والشاحن مع جهاز آخر، ونظّف منفذ الشحن بفرشاة جافة، ثم أعد تشغيل الهاتف. إذا ظهرت "
            "علامة الشحن ولم ترتفع النسبة فقد يكون الشاحن ضعيفًا.",
        ),
        "ru": (
            "Телефон не заряжается",
            "Проверьте кабель и зарядное устройство с другим телефоном, аккуратно очистите разъём сухой "
            "щёточкой и перезагрузите телефон. Если значок зарядки есть, а уровень не растёт, зарядное "
            "устройство слишком слабое.",
        ),
    },
    "router": {
        "en": (
            "Resetting the router",
            "To reset the router to its factory settings, keep it switched on and press the Reset button on "
            "the back with a paper clip for ten seconds, until the lights blink. The router restarts with the "
            "network name and password printed on its label. A simple restart (unplug it for thirty seconds) "
            "fixes most connection drops without losing your settings.",
        ),
        "fa": (
            "بازنشانی روتر به تنظیمات کارخانه",
            "برای ریست کردن روتر، آن را روشن نگه دارید و دکمه Reset پشت دستگاه را با یک گیره کاغذ ده ثانیه "
            "نگه دارید تا چراغ‌ها چشمک بزنند. روتر با نام شبکه و رمزی که روی برچسب آن چاپ شده دوباره راه "
            "می‌افتد. برای قطع شدن اینترنت معمولاً یک بار خاموش و روشن کردن روتر کافی است.",
        ),
        "ar": (
            "إعادة ضبط الراوتر",
            "لإعادة ضبط الراوتر إلى إعدادات المصنع، اتركه يعمل واضغط زر Reset في الخلف بمشبك ورق لمدة عشر "
            "ثوانٍ حتى تومض الأضواء. يعيد الراوتر التشغيل باسم الشبكة وكلمة المرور المطبوعين على الملصق.",
        ),
        "ru": (
            "Как сбросить роутер",
            "Чтобы сбросить роутер к заводским настройкам, не выключая его, нажмите скрепкой кнопку Reset на "
            "задней панели и держите десять секунд, пока не замигают индикаторы. Роутер перезагрузится с "
            "именем сети и паролем с наклейки. При обрывах связи обычно достаточно перезагрузить роутер.",
        ),
    },
    "wifi_password": {
        "en": (
            "Changing the Wi-Fi password",
            "Open the router's page at 192.168.1.1, sign in with the administrator password from the label, "
            "and choose Wireless › Security. Enter the new password and save; every device must connect again.",
        ),
        "ru": (
            "Как сменить пароль Wi-Fi",
            "Откройте страницу роутера по адресу 192.168.1.1, войдите с паролем администратора с наклейки и "
            "выберите Беспроводная сеть › Безопасность. Введите новый пароль и сохраните.",
        ),
    },
    "descaling": {
        "en": (
            "Descaling the coffee machine",
            "When the descale light comes on, empty the drip tray, fill the water tank with one litre of water "
            "and the descaling solution, and hold the descale button for three seconds. The machine runs the "
            "solution through in about twenty minutes; rinse the tank and run one tank of clean water after it. "
            "Descale every two months in hard-water areas.",
        ),
        "fa": (
            "جرم‌گیری دستگاه قهوه‌ساز",
            "وقتی چراغ جرم‌گیری روشن می‌شود، سینی آب‌چکان را خالی کنید، مخزن را با یک لیتر آب و محلول "
            "جرم‌گیر پر کنید و دکمه جرم‌گیری را سه ثانیه نگه دارید. دستگاه حدود بیست دقیقه محلول را عبور "
            "می‌دهد؛ سپس مخزن را بشویید و یک مخزن آب تمیز از دستگاه عبور دهید.",
        ),
        "ar": (
            "إزالة الترسبات الكلسية من ماكينة القهوة",
            "عندما يضيء مؤشر إزالة الترسبات، أفرغ صينية التقطير واملأ خزان الماء بلتر من الماء ومحلول إزالة "
            "الكلس، ثم اضغط زر إزالة الترسبات ثلاث ثوانٍ. بعد نحو عشرين دقيقة اشطف الخزان وشغّل خزانًا من "
            "الماء النظيف.",
        ),
        "ru": (
            "Очистка кофемашины от накипи",
            "Когда загорится индикатор накипи, опустошите поддон, налейте в резервуар литр воды со средством "
            "от накипи и удерживайте кнопку очистки три секунды. Кофемашина пропустит раствор примерно за "
            "двадцать минут; затем промойте резервуар и пропустите один резервуар чистой воды.",
        ),
    },
    "warranty": {
        "en": (
            "How to make a warranty claim",
            "1. Find the serial number on the label or in Settings › About. 2. Register the product in My "
            "products if you have not yet. 3. Choose Ask for help › Warranty claim, describe the fault and "
            "attach the receipt. 4. We reply within two working days with a repair or replacement.",
        ),
        "fa": (
            "مراحل درخواست گارانتی",
            "۱. شماره سریال را روی برچسب یا در تنظیمات › درباره پیدا کنید. ۲. اگر هنوز محصول را ثبت "
            "نکرده‌اید، آن را در «محصولات من» ثبت کنید. ۳. «درخواست کمک › درخواست گارانتی» را انتخاب کنید، "
            "ایراد را شرح دهید و رسید خرید را پیوست کنید. ۴. ظرف دو روز کاری برای تعمیر یا تعویض پاسخ می‌دهیم.",
        ),
        "ar": (
            "خطوات طلب الضمان",
            "1. اعثر على الرقم التسلسلي على الملصق. 2. سجّل المنتج في منتجاتي. 3. اختر طلب مساعدة › مطالبة "
            "ضمان، وصف العطل وأرفق الإيصال. 4. نرد خلال يومي عمل بالإصلاح أو الاستبدال.",
        ),
        "ru": (
            "Как оформить гарантийный ремонт",
            "1. Найдите серийный номер на наклейке. 2. Зарегистрируйте товар в разделе «Мои товары». "
            "3. Выберите «Обратиться за помощью › Гарантия», опишите неисправность и приложите чек. 4. Мы "
            "ответим в течение двух рабочих дней.",
        ),
    },
}

INTERNAL = {
    "en": (
        "Battery replacement under warranty: agent checklist",
        "Before approving a battery replacement, check the battery health report (below 80% capacity within "
        "the warranty qualifies), the purchase date and that the device was not opened by a third party.",
    ),
}

DRAFT = {
    "en": (
        "Router firmware update",
        "Download the router firmware from the support site and upload it on the router's page.",
    ),
}

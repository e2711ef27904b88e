"""The demo help centre in English: {key: (title, summary, body)}.

Bodies are plain text: paragraphs separated by blank lines, steps as "1. …" lines, lists as "- …".
"""

ARTICLES: dict[str, tuple[str, str, str]] = {
    "galaxy-setup": (
        "Setting up your new Samsung Galaxy phone",
        "Switch on, move your data with Smart Switch, and keep the box and receipt for the warranty.",
        """
Your Galaxy phone arrives with the battery partly charged. You can use it straight away: there is no need to run the battery down or charge it fully first.

1. Press and hold the side key until the Samsung logo appears.
2. Choose your language and connect to Wi-Fi.
3. When asked, sign in with your Google account and, if you have one, your Samsung account. The Samsung account lets you find a lost phone with Find My Mobile.
4. To copy contacts, photos and messages from your old phone, choose Smart Switch and follow the steps on both phones. For a large photo library a USB-C cable is faster than Wi-Fi.
5. Open Settings > Software update and install any update offered.

Keep the box and your receipt: the IMEI printed on the box and the date on the receipt are what we use to confirm your 18-month warranty. You can also register the phone under My products in the portal, and then you never need the paper again.

There is no charger in the box. Any USB-C charger with Power Delivery works; the Samsung 25 W adapter charges the A55 and the S24 Ultra at full speed.
""",
    ),
    "register-product": (
        "Registering a product and finding its serial number",
        "Register what you bought in the portal to see its warranty, maintenance dates and notices. Here is where each serial number is.",
        """
Registering a product links it to your account. You then see its warranty end date, the next maintenance visit, any notices about your model and the help articles for it, and you do not have to type the serial number each time you ask for help.

1. Sign in to the portal and open My products.
2. Choose Register a product.
3. Enter the serial number and your order number. If you bought from a partner shop and have no order number, upload a photo of the receipt instead.
4. Send. Products bought from us appear at once; products registered with a receipt appear after an agent has checked it, usually within one working day.

Where to find the serial number:
- Phones: dial *#06# to show the IMEI, or look on the box. The IMEI is the serial number.
- Laptops and tablets: on the label under the laptop, or in Settings > About on a tablet.
- Washing machines and dishwashers: on the label inside the door frame.
- Refrigerators: on the label on the side wall inside the fridge compartment.
- TVs and soundbars: on the label on the back, and on a TV in Settings > Support > About.
- Air conditioners: on the label on the side of the indoor unit.
- Small appliances: on the label under the base.
""",
    ),
    "ac-installation": (
        "Installing your Gree Lomo air conditioner: what to prepare",
        "Our technician installs it and the installation is part of the warranty. Prepare the place, the power supply and the wall.",
        """
An inverter air conditioner must be installed by an authorised technician: a wrong installation can damage the compressor and is not covered by the warranty. Installation of the Gree Lomo is included in the price, and its 24-month warranty starts on the installation day.

Before the technician comes:
1. Choose a wall for the indoor unit at least 2.3 m above the floor, out of direct sun, and not above a television or the head of a bed.
2. Choose a place for the outdoor unit with free air flow, on a solid wall or the floor of a balcony, where possible no more than 5 m of pipe away from the indoor unit.
3. Make sure there is an earthed socket or a separate 16 A circuit near the indoor unit.
4. Clear the area under the indoor unit: the technician drills a 65 mm hole through the wall.

The installation takes two to three hours. At the end the technician shows you the remote control and records the serial number, so your warranty is registered automatically. Pipes longer than 5 m, a wall bracket for the outdoor unit and work at height are charged separately; the technician tells you the price before starting.
""",
    ),
    "airfryer-first-use": (
        "First use of the Philips Airfryer Essential XL",
        "Wash the basket, run it empty once and leave space around it. A light smell the first time is normal.",
        """
1. Remove all packaging, stickers and the protective film.
2. Wash the basket and the pan in hot water with a little washing-up liquid, or in the dishwasher. Wipe the inside and the outside with a damp cloth; never put the main unit in water.
3. Place the airfryer on a flat, heat-resistant surface with at least 10 cm free on every side and above it. Hot air leaves through the back.
4. Insert the empty basket, set 200 °C and let it run for 10 minutes.

During this first run you may notice a light smell or a little smoke: this is the protective coating of the heating element burning off, and it goes away. If smoke still comes after the first few uses, empty the fat from the pan — food fat heated again is the usual cause.

Do not fill the basket above the MAX mark, and shake chips halfway through cooking so that they brown evenly. The warranty covers parts for 12 months; a unit that cannot be repaired is replaced.
""",
    ),
    "warranty-coverage": (
        "What your warranty covers",
        "Warranty periods for phones, laptops, appliances and TVs: what is covered and what is not.",
        """
Every product we sell has a manufacturer's warranty that starts on the day it is delivered (for appliances we install, on the installation day). You can see the exact end date of each of your products under My products.

- Phones: 18 months, parts and labour. Liquid damage and physical damage, such as a cracked screen, are not covered.
- Laptops, tablets, accessories, Xiaomi TVs and soundbars: 12 months, parts and labour, at an authorised service centre.
- Washing machines, refrigerators, air conditioners and Samsung TVs: 24 months, including a technician's visit to your home.
- Bosch dishwashers and LG OLED TVs: 36 months at home; a replacement unit comes with a new 36-month warranty.
- Small kitchen and personal-care appliances: 12 months for parts; if a unit cannot be repaired, we replace it.

The warranty does not cover damage from falls, liquid or power surges, installation by anyone other than our technicians, or repairs made by an unauthorised shop. Consumable parts — filters, brushes, shaver heads — are covered only if they are faulty on delivery.

If you receive a replacement device under warranty, the original warranty continues on it, unless the list above says that a new one starts.
""",
    ),
    "warranty-claim": (
        "How to make a warranty claim",
        "Ask for help from the product's page and describe the fault; we arrange the repair, a pick-up or a technician's visit.",
        """
1. Sign in to the portal and open My products. Choose the product that has the problem. If it is not there yet, register it first (you need the serial number and the order number or the receipt).
2. Choose Ask for help, then the kind Warranty claim.
3. Describe what happens and since when. A photo or a short video of the fault or the error code helps the technician bring the right part.
4. Send. You receive a request number by e-mail and can follow the request under My requests.

What happens next depends on the product:
- Phones, laptops and small appliances: we send you a pick-up label or the address of the nearest service centre. Repairs usually take 5 to 10 working days.
- Large appliances and TVs with an on-site warranty: a technician calls you to agree on a visit, usually within two working days.

Before you send a device, back up your data and remove the screen lock: see "Preparing a phone or laptop for repair". If the fault turns out not to be covered, we tell you the price first; nothing is repaired without your approval.
""",
    ),
    "repair-preparation": (
        "Preparing a phone or laptop for repair",
        "Back up, sign out of your accounts, remove the screen lock, and take out the SIM and memory cards before you send a device.",
        """
The service centre may have to reset the device to its factory settings. They cannot keep your data, so back it up first.

1. Back up: on a Galaxy phone use Samsung Cloud, or Smart Switch on a computer; on an iPhone use iCloud; on a laptop copy your files to an external drive or a cloud folder.
2. Sign out of Find My Mobile (Samsung), Find My (Apple) or your Google account. Otherwise the device stays locked after the reset and the repair cannot be tested.
3. Remove the screen lock, or write the PIN on a note inside the box if you prefer to keep it.
4. Take out the SIM card and the memory card, and remove any case or screen protector.
5. If the device still charges, charge the battery to at least 30 %.

Send only the device unless we ask for the charger too. Write your request number on the box. When the repair is finished we send the device back with a report of what was done.
""",
    ),
    "water-damage-internal": (
        "Warranty exceptions for water damage — internal",
        "For agents: how to judge liquid-damage claims, what evidence to ask for, and when a goodwill repair is allowed.",
        """
This article is for the support team only; do not send it to customers. Share the public article "What your warranty covers" instead.

Liquid damage is excluded from the manufacturers' warranty on every phone, laptop and tablet we sell, even on phones with an IP rating such as the Galaxy A55 and the S24 Ultra: water resistance is tested in fresh water on a new device and wears off over time.

How to handle a claim:
1. Ask for photos of the liquid-damage indicator (the sticker in the SIM tray on Samsung phones, next to the battery in laptops). A red or pink indicator means the device has been in contact with liquid.
2. Do not refuse a claim on the customer's description alone. Only the service centre's report decides; open a repair with the tag liquid-suspected.
3. If the service centre confirms liquid damage, offer a paid repair at the price quoted in the report.
4. Goodwill: for Gold and VIP customers, or when the device is less than 30 days old, a team lead may approve a 50 % discount on the repair. Record the approval in an internal note.

Never promise a free repair before the report arrives. Reopened cases about liquid damage go to the Returns & warranty team.
""",
    ),
    "battery-drain": (
        "Phone battery drains quickly",
        "Find the app that uses the battery, update the software, and check the battery before asking for a repair.",
        """
A new phone often uses more battery in its first days: it is indexing photos, restoring backups and installing updates. Give it three or four days of normal use before you judge.

1. Open Settings > Battery (Battery and device care on Samsung) and see which apps used the most. An app you rarely open near the top of the list is the usual cause: restrict its background use or uninstall it.
2. Install every system update: Settings > Software update (Samsung), Settings > About phone > HyperOS or MIUI version (Xiaomi), Settings > General > Software Update (iPhone).
3. Lower the screen brightness or turn on adaptive brightness, and set the screen timeout to 30 seconds.
4. Turn on power saving mode when you need the phone to last longer.
5. Restart the phone once a week.

If the battery lasts less than a day with light use, or the phone switches off while the battery still shows more than 10 %, the battery may be faulty. Ask for help from the phone's page under My products: the battery is covered for the whole warranty period.
""",
    ),
    "slow-charging": (
        "Phone or tablet charges slowly or not at all",
        "Check the adapter and the cable, clean the USB-C port and look for the fast charging message.",
        """
1. Use an adapter that supports USB-C Power Delivery. An old 5 W adapter takes more than three hours to charge a Galaxy A55; the Samsung 25 W adapter charges it to 50 % in about 30 minutes.
2. Try another cable. Cables wear out inside long before they look damaged.
3. Look into the USB-C port with a torch. Pocket dust pressed into the port stops the plug from going in fully. Switch the phone off and remove the dust gently with a wooden toothpick — never anything metal.
4. Check that fast charging is on: on Samsung, Settings > Battery > More battery settings.
5. Charging slows down when the phone is hot. Take it out of its case and do not play games while it charges.

If the phone shows "Moisture detected", unplug the cable and let the port dry for a few hours; do not use a hair dryer. If the phone still does not charge with an adapter and a cable you know are good, ask for help from the product's page: the charging port is covered by the warranty unless liquid or force damaged it.
""",
    ),
    "washer-error-codes": (
        "Washing machine error codes OE, IE and UE",
        "What the most common error codes of LG and Snowa washing machines mean, and how to clear them yourself.",
        """
Most error codes point to a problem you can fix in a few minutes. Switch the machine off and on again after each fix to clear the code.

OE — the water does not drain:
1. Put a towel and a shallow tray on the floor and open the small flap at the bottom of the front.
2. Let the water out through the small drain hose, then unscrew the drain pump filter anticlockwise.
3. Remove coins, hair clips and lint, rinse the filter and screw it back firmly.
4. Check that the drain hose behind the machine is not kinked.

IE — no water comes in:
1. Make sure the tap is fully open and there is water pressure in the house.
2. Unscrew the inlet hose from the back of the machine and rinse the small filter inside the connection. It clogs easily where the water is hard; the LG inlet water filter keeps sand out.

UE — the load is unbalanced: the machine cannot spin a single heavy item such as a bath mat or a duvet. Add two or three towels, or split the load, and start the spin again.

If the code comes back after these steps, or the machine shows another code (such as LE, PE or dE), ask for help and tell us the code: the on-site warranty covers the technician's visit.
""",
    ),
    "tv-no-picture": (
        'TV has sound but no picture, or shows "No signal"',
        "Check the source, the cables and the power, and update the TV's software.",
        """
1. Press Source (Samsung), Input (LG) or the input button (Xiaomi) on the remote and choose the input your device is connected to, for example HDMI 2.
2. Check that the connected device is switched on, then unplug the HDMI cable at both ends and plug it in again firmly. Try another HDMI port or another cable.
3. Switch the TV off at the wall, wait 60 seconds and switch it on again. This clears most temporary faults.
4. If the picture is only dark, turn off the energy saving mode and check the brightness in the picture settings.
5. Update the software: Settings > Support > Software Update (Samsung), Settings > General > About this TV (LG), Settings > Device preferences > About > System update (Xiaomi).

Test the screen without any device: open the TV's menu. If you can see the menu, the TV is fine and the problem lies in the cable or the connected device. If you cannot see the menu either, or you see lines, spots or flashing, ask for help from the TV's page and attach a photo. Samsung and LG OLED TVs have an on-site warranty: a technician comes to you.
""",
    ),
    "buds-pairing": (
        "Galaxy Buds FE: pairing problems, or one earbud is silent",
        "Reset the earbuds and pair them again; clean the mesh if the sound is low.",
        """
1. Put both earbuds in the case and close it for at least 10 seconds, so that both charge and sync.
2. On the phone, open Settings > Connections > Bluetooth, tap the settings icon next to Galaxy Buds FE and choose Unpair.
3. Reset the earbuds: open the Galaxy Wearable app and choose Earbuds settings > Reset.
4. Open the case near the phone; a pop-up offers to connect. Tap Connect.

If one earbud sounds quieter than the other, earwax on the mesh is the most common cause. Clean the mesh gently with a soft, dry brush; do not use water or alcohol.

If one earbud does not charge (its light stays off in the case), wipe the gold contacts on the earbud and inside the case with a dry cotton bud. If it still does not charge, ask for help: the earbuds and the case are covered for 12 months.
""",
    ),
    "laptop-no-power": (
        "Laptop does not turn on or does not charge",
        "Check the charging light, do a hard reset and try without accessories before you send the laptop in.",
        """
1. Connect the original charger directly to a wall socket, not to a power strip, and check that the charging light next to the port comes on. If it does not, try another socket.
2. Disconnect everything else: USB drives, docks, external screens and memory cards.
3. Hard reset: hold the power button for 30 seconds, release it, then press it normally. The Lenovo IdeaPad also has a small Novo (reset) hole: press it with a straightened paper clip.
4. If the battery was completely empty, leave the laptop on the charger for 30 minutes before switching it on.
5. If the fan runs but the screen stays black, connect an external monitor. If a picture appears there, the laptop's screen or its cable is the problem.

If nothing helps, ask for help from the laptop's page under My products and tell us what you see: the charging light on or off, fan noise, any beeps. Before you send it in, read "Preparing a phone or laptop for repair".
""",
    ),
    "dedica-descaling": (
        "Descaling the De'Longhi Dedica EC685",
        "Descale every two to three months, or when the descale light comes on. It takes about 30 minutes.",
        """
Limescale slows the flow of water, makes the coffee less hot and can block the machine. Descale when the descale light comes on, or every two to three months if your water is hard. Damage caused by limescale is not covered by the warranty.

1. Empty the drip tray and remove the filter holder.
2. Pour the descaler into the water tank and fill up with water to the 0.5 litre mark. Use a descaler made for coffee machines: vinegar damages the seals.
3. Put a container of at least 1 litre under the coffee outlet and the steam wand.
4. Press and hold the one-cup button for about 6 seconds, until the descale light flashes. The machine lets the solution through in steps with pauses in between; this takes about 25 minutes.
5. When the tank is empty, rinse it and fill it with fresh water up to MAX.
6. Press the one-cup button again to rinse. When the rinse is finished, the descale light goes off.

Throw away the first coffee after descaling.
""",
    ),
    "washer-cleaning": (
        "Keeping your washing machine clean",
        "A monthly drum clean, the drain filter every few months and a dry door seal prevent smells and error codes.",
        """
Washing at low temperatures saves energy but leaves detergent and lint in the machine. A few minutes a month keep it fresh.

Every month:
1. Run the Tub Clean programme (LG), or a 90 °C wash with the drum empty (Snowa). Do not add detergent; a washing machine cleaning tablet is enough if you want to use something.
2. Wipe the rubber door seal and the fold inside it with a dry cloth, and remove any hair or socks stuck there.
3. Pull out the detergent drawer, rinse it under warm water and let it dry.

Every three months: clean the drain pump filter behind the small flap at the bottom of the front, as described in "Washing machine error codes OE, IE and UE".

After every wash, leave the door and the drawer slightly open so that the drum dries.

Your washing machine also has a yearly maintenance visit. Under My products you see when the next one is due; ask for help with the kind Maintenance to book it.
""",
    ),
    "ac-filter-cleaning": (
        "Cleaning the air filters of your air conditioner",
        "Clean the filters every two weeks in the hot season, and book a service every six months.",
        """
Dusty filters make the air conditioner work harder, cool less and use more electricity. They can also make water drip from the indoor unit.

1. Switch the air conditioner off with the remote, then unplug it or switch off its circuit breaker.
2. Lift the front panel of the indoor unit until it clicks into place.
3. Pull the two filters down and out.
4. Rinse them with lukewarm water, dusty side facing down. For grease, use a little mild detergent.
5. Let them dry completely in the shade — never in direct sun or with a hair dryer.
6. Put the filters back and close the panel.

Clean the filters every two weeks when you use the air conditioner every day.

Every six months a technician should clean the coils and the drain and check the refrigerant pressure; in hot, dusty cities the best time is before the summer. Your next service date is shown under My products. Book it by asking for help with the kind Maintenance.
""",
    ),
    "robot-vacuum-care": (
        "Caring for the Xiaomi Robot Vacuum S10",
        "Empty the bin after each run, clean the brushes every week and replace the filter every three to six months.",
        """
A robot vacuum only cleans well if its brushes turn freely and its sensors can see.

After each cleaning run, empty the dust bin.

Every week:
1. Turn the robot over onto a soft surface.
2. Press the clips to take out the main brush, and cut away hair wound round it with scissors.
3. Unscrew the side brush and remove the hair from its base.
4. Tap the filter clean over a bin. Do not wash the filter with water unless the manual says it is washable.

Every month, wipe the cliff sensors underneath, the charging contacts and the laser cover on top with a dry cloth.

Replace the main brush every 6 to 12 months, the side brush every 3 to 6 months and the filter every 3 to 6 months. Worn brushes are consumables and are not covered by the warranty. The robot's three-monthly maintenance reminder is shown under My products.

If the robot cannot find its dock, place the dock against a wall with 0.5 m free on each side and 1.5 m in front. If the Mi Home app reports an error, note its number and ask for help.
""",
    ),
    "returns": (
        "Returning a product",
        "How many days you have to return a product, in what condition, and how to ask for a return.",
        """
You can return a product within its return window, counted from the day it was delivered:
- Phones, laptops, tablets and large appliances: 7 days.
- TVs and audio: 10 days.
- Small appliances, including the Xiaomi Robot Vacuum S10 and the Philips shaver: 14 days.

The product must be complete, with its box, accessories and manuals. Phones and laptops must still be sealed, unless they are faulty. Appliances that have been installed can be returned only if they are faulty.

1. Sign in to the portal, open My products and then the product you want to return.
2. Choose Ask for help and the kind Return.
3. Tell us why: faulty, not as described, or you changed your mind. Photos help if the product or the box is damaged.
4. We confirm within one working day and send you a pick-up time or the address of the nearest shop.

The refund goes back to the payment method you used, within 7 working days after we receive the product. Products returned as faulty are tested first; if the fault is confirmed, you choose between a repair, a replacement and a refund.
""",
    ),
    "fridge-not-cooling": (
        "Refrigerator is not cooling enough",
        "Check the temperature setting, the door seals and the space around the refrigerator.",
        """
A new refrigerator needs up to 24 hours to reach its temperature. Do not fill it during the first hours.

1. Check the settings: 4 °C for the fridge and −18 °C for the freezer are recommended.
2. Make sure the doors close fully. Close a door on a sheet of paper: if the paper slides out easily, the seal is not tight.
3. Leave at least 5 cm behind and beside the refrigerator for air to flow, and do not place it next to the cooker or in direct sun.
4. Do not block the air vents inside the compartments with food.

If the refrigerator is still warm after 24 hours, or you hear the compressor switch on and off every few minutes, ask for help: the refrigerator has a 24-month on-site warranty.
""",
    ),
    "order-change": (
        "Changing or cancelling an order before delivery",
        "You can change the address or cancel an order until it leaves our warehouse.",
        """
1. In the portal, choose Ask for help and the kind Question, and choose "Something else" instead of a product.
2. Give your order number and what you want to change: the delivery address, the delivery day, or cancelling the order.
3. We confirm by e-mail. Once the order has left the warehouse it can no longer be changed; you can refuse the delivery, or return the product within its return window.

Refunds for cancelled orders reach your account within 7 working days.
""",
    ),
}

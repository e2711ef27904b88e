"""English conversation templates for the demo cases.

OPENERS hold (subject, customer message) or (subject, customer message, the agent's answer to it);
when there is no paired answer the agent's first reply comes from REPLIES.
Placeholders: {name} {product} {serial} {order} {agent} {date} {amount} {days}.
"""

GREETING = "Hello {name},"
CHAT_GREETING = "Hi {name},"
SIGNATURE = "Kind regards,\n{agent}\nCustomer care"
PRODUCT_FALLBACK = "your purchase"

OPENERS = {
    "general": [
        (
            "Delivery time for my order {order}",
            'Hi, I placed order {order} a few days ago and the status still says "processing". Could you tell me '
            "when it will be shipped?",
            "Thank you for your message. Order {order} has left our warehouse and should reach you within two "
            "working days. You'll receive the tracking link by SMS.",
        ),
        (
            "Can I pay in instalments?",
            "Hello, do you offer instalment payments for larger purchases like TVs or laptops? I would like to know "
            "the conditions before I order.",
            "Yes, instalment plans are available for purchases above a certain amount. I've sent the conditions to "
            "your e-mail; you can choose the plan at checkout.",
        ),
        (
            "VAT invoice needed for order {order}",
            "Hi, I need an official invoice with VAT for order {order} for my company's accounts. Can you send it by "
            "e-mail?",
            "The VAT invoice for order {order} is now in your account, and I've e-mailed you a copy as well.",
        ),
        (
            "Changing the delivery address",
            "Hello, I have just moved. Can you update the delivery address on my account? The old address is still "
            "shown at checkout.",
            "I've updated the address on your account. Future deliveries will go to the new address.",
        ),
        (
            "Store opening hours during the holidays",
            "Hi, are your stores open during the holidays? I would like to come in and look at washing machines.",
            "Our stores are open during the holidays with shorter hours, 10:00 to 18:00. You're very welcome to "
            "visit.",
        ),
        (
            "Do you price match?",
            "Hello, I saw the same model cheaper at another shop. Do you match prices for returning customers?",
            "Thank you for asking. Please send me a link to the offer and I'll check whether we can match it.",
        ),
    ],
    "usage:phone": [
        (
            "Moving my data to the new {product}",
            "Hi, I just bought the {product}. What is the easiest way to move my photos and contacts from my old "
            "phone? I don't want to lose anything.",
            "The easiest way is the transfer app that comes with the {product}: place both phones side by side, "
            "connect them to the same Wi-Fi network and follow the steps on the screen. It copies photos, contacts "
            "and messages.",
        ),
        (
            "Is it OK to charge overnight?",
            "Hello, is it safe to leave the {product} plugged in overnight? The manual is not very clear about this.",
            "Yes, it's safe: the {product} stops charging when the battery is full. To protect the battery even more, "
            'turn on "Protect battery" in the battery settings; it limits charging to 85%.',
        ),
    ],
    "usage:laptop": [
        (
            "Connecting the {product} to a second screen",
            "Hi, how can I connect my {product} to a monitor? It only has USB-C and one HDMI port.",
            'Use the HDMI port with a normal HDMI cable, then press Windows+P and choose "Extend". A USB-C to '
            "HDMI adapter also works for a second monitor.",
        ),
        (
            "Battery care for the {product}",
            "Hello, should I keep the {product} plugged in all the time when I work at my desk?",
            "You can, but it's better to turn on the battery care mode in the manufacturer's app; it keeps the charge "
            "around 80% and extends battery life.",
        ),
    ],
    "usage:washer": [
        (
            "Which programme should I use?",
            "Hi, I have the {product}. Which programme is best for mixed cotton and synthetic clothes? I am worried "
            "about shrinking my shirts.",
            'For mixed fabrics use the "Mixed" programme at 40 °C with a medium spin. Avoid the cotton programme '
            "at high temperatures for synthetics, and use the gentle cycle for shirts.",
        ),
        (
            "How much detergent?",
            "Hello, how much detergent should I use in the {product}? The drawer has several compartments and I'm "
            "not sure which one is which.",
            "Put detergent in the compartment marked II (main wash), fabric softener in the one with the flower "
            "symbol. For a normal load one measuring cap of liquid detergent is enough.",
        ),
    ],
    "usage:tv": [
        (
            "Setting up channels on the {product}",
            "Hi, I connected the {product} but it doesn't find any channels. What am I doing wrong?",
            'Go to Settings > Broadcasting > Auto Tuning, choose "Aerial" or "Satellite" depending on your '
            "connection, and start the scan. It takes about five minutes.",
        ),
        (
            "Connecting the {product} to Wi-Fi",
            "Hello, I can't find how to connect the {product} to my Wi-Fi network. Is there a step-by-step guide?",
            "Open Settings > General > Network > Open Network Settings, choose Wireless and select your network. "
            "I've also e-mailed you a short guide with pictures.",
        ),
    ],
    "usage:ac": [
        (
            "Best setting for the {product} at night",
            "Hi, which mode should I use on the {product} at night? It gets too cold by morning.",
            "Use the Sleep mode: it raises the temperature by one degree every hour for the first two hours, so the "
            "room doesn't get too cold. 24–25 °C is a good setting.",
        ),
    ],
    "usage:any": [
        (
            "Software update on {product}",
            "Hi, my {product} says a software update is available. Will I lose my settings if I install it?",
            "Installing the update keeps your settings and data. It's still a good idea to leave the {product} "
            "connected to power during the update.",
        ),
        (
            "Accessories for my {product}",
            "Hello, which accessories are compatible with the {product}? I'd rather buy original ones from you.",
            'The original accessories for the {product} are listed on its product page under "Accessories". Tell '
            "me what you need and I'll check the stock for you.",
        ),
        (
            "User manual for the {product}",
            "Hi, I lost the manual of my {product}. Is there a PDF version I can download?",
            "Of course, I've attached the manual of the {product} to this reply. You can also find it on the product "
            'page under "Downloads".',
        ),
    ],
    "training": [
        (
            "Can someone show me the features of my {product}?",
            "Hi, I bought the {product} for my mother and she finds it complicated. Do you offer a short session to "
            "show her the basics?",
            "Of course. We offer a free 30-minute session, in the store or by video call. I've reserved a slot on "
            "{date}; please confirm if that suits you.",
        ),
        (
            "Getting the most out of the {product}",
            "Hello, I feel I'm only using half of what the {product} can do. Are there any tips or videos you can "
            "recommend?",
            "Here is a short video guide for the {product} and a one-page summary of its most useful features. If "
            "you'd like a live session, just let me know.",
        ),
        (
            "Help with the app for {product}",
            "Hi, I installed the app for my {product} but I don't understand the schedules and modes. Could you walk "
            "me through it?",
            "Happy to help. I've booked a 20-minute video call with one of our specialists on {date}, who will set "
            "up the schedules together with you.",
        ),
    ],
    "fault:phone": [
        (
            "{product} won't charge",
            "Hi, my {product} stopped charging yesterday. I tried two different cables and "
            "chargers and nothing happens. IMEI: {serial}. What should I do?",
        ),
        (
            "Battery drains very fast",
            "Hello, the battery of my {product} goes from full to empty in about five "
            "hours, even when I barely use it. It was much better when I bought it. IMEI {serial}.",
        ),
        (
            "Screen flickering on {product}",
            "Hi, the screen of my {product} flickers and sometimes shows green "
            "lines. I have not dropped it. Is this covered by the warranty? IMEI: {serial}.",
        ),
    ],
    "fault:laptop": [
        (
            "{product} does not turn on",
            "Hello, my {product} won't power on at all since this morning. The charging "
            "light comes on but the screen stays black. Serial number {serial}.",
        ),
        (
            "Laptop overheating and shutting down",
            "Hi, my {product} gets very hot and switches itself off during "
            "video calls. The fan is very loud. Serial: {serial}.",
        ),
        (
            "Several keys not working",
            "Hello, some keys on my {product} (E, R and the space bar) have stopped "
            "working. Nothing was spilled on it. Serial {serial}.",
        ),
    ],
    "fault:washer": [
        (
            "Washing machine leaking water",
            "Hi, my {product} is leaking water from the bottom during the wash "
            "cycle. There is a puddle on the floor every time. Serial number: {serial}. Please help.",
        ),
        (
            "Error code and the drum won't spin",
            "Hello, the {product} stops in the middle of the programme and "
            "shows an error code. The drum doesn't spin and the clothes stay wet. Serial {serial}.",
        ),
    ],
    "fault:fridge": [
        (
            "Refrigerator not cooling",
            "Hi, since yesterday the fridge part of my {product} is warm while the "
            "freezer still works. The food is going off. Serial number {serial}. Can a technician come urgently?",
        ),
        (
            "Loud noise from the fridge",
            "Hello, my {product} has started making a loud buzzing noise, especially at "
            "night. Is that normal? Serial: {serial}.",
        ),
    ],
    "fault:dishwasher": [
        (
            "Dishwasher not draining",
            "Hi, there is always water left at the bottom of my {product} after the "
            "programme ends. I cleaned the filter but it didn't help. Serial {serial}.",
        ),
    ],
    "fault:ac": [
        (
            "Air conditioner not cooling",
            "Hello, my {product} runs but blows warm air. It is very hot here and we "
            "really need it fixed. Serial number {serial}.",
        ),
        (
            "Water dripping from the indoor unit",
            "Hi, water is dripping from the indoor unit of my {product} onto "
            "the wall. Serial: {serial}. Can you send someone?",
        ),
    ],
    "fault:tv": [
        (
            "TV has sound but no picture",
            "Hi, my {product} has sound but the screen stays black. I unplugged it "
            "for ten minutes and tried again, same result. Serial {serial}.",
        ),
        (
            "TV keeps restarting",
            "Hello, my {product} turns itself off and on every few minutes, and the apps are "
            "very slow. Serial number: {serial}.",
        ),
    ],
    "fault:audio": [
        (
            "Bluetooth keeps disconnecting",
            "Hi, my {product} keeps losing the Bluetooth connection every few "
            "minutes. I already reset it. Serial {serial}.",
        ),
    ],
    "fault:vacuum": [
        (
            "Robot vacuum stuck on error",
            "Hello, my {product} stops after a few minutes and reports a wheel error. "
            "I cleaned the wheels and brushes. Serial: {serial}.",
        ),
    ],
    "fault:kitchen": [
        (
            "{product} stopped working",
            "Hi, my {product} suddenly stopped working today. The light comes on but "
            "the motor doesn't start. Serial {serial}.",
        ),
        (
            "Leaking from the bottom",
            "Hello, my {product} leaks from the bottom every time I use it. Is that a "
            "known problem? Serial number {serial}.",
        ),
    ],
    "fault:any": [
        (
            "Problem with my {product}",
            "Hi, my {product} is not working properly anymore. It switches off by "
            "itself after a few minutes. Serial number: {serial}. What can I do?",
        ),
        (
            "Warranty repair for {product}",
            "Hello, my {product} has developed a fault and I believe it is still "
            "under warranty. Serial {serial}. How do I send it in for repair?",
        ),
    ],
    "return": [
        (
            "Wrong item delivered — order {order}",
            "Hi, I ordered the {product} (order {order}) but the box I received has a different model inside. I'd "
            "like to return it and get the right one.",
            "I'm sorry about this mix-up. I've arranged for the correct {product} to be sent today; the courier will "
            "take the wrong item back at the same time.",
        ),
        (
            "I want to return the {product}",
            "Hello, I bought the {product} last week but it's not what I expected. It's unused and in the original "
            "box. How do I return it?",
            "You can return the {product} within {days} days of delivery as long as it's unused and complete. I've "
            "opened the return and e-mailed you the label; a courier will collect it within two working days.",
        ),
        (
            "Item arrived damaged",
            "Hi, the {product} from order {order} arrived with a cracked corner and a dent on the side. The box was "
            "damaged too. I'd like to return it.",
            "I'm very sorry. Thank you for the description; we'll collect the damaged {product} and send you a new "
            "one free of charge. Please keep the packaging for the courier.",
        ),
        (
            "Missing parts in the box",
            "Hello, the box of my {product} (order {order}) had no power cable and no manual. Can you send the "
            "missing parts or should I return it?",
            "There's no need to return it. I've sent the missing cable and manual by express post; they should "
            "arrive tomorrow.",
        ),
        (
            "Return of a gift",
            "Hi, I received the {product} as a gift but I already have one. Can I return it? The order number is "
            "{order}.",
            "Yes, gifts can be returned within {days} days. The refund goes to the person who paid, or you can "
            "choose store credit. I've opened the return for you.",
        ),
        (
            "Late return of the {product}",
            "Hello, I'd like to return the {product} from order {order}. I know it's been a while, but I've hardly "
            "used it.",
            "I'm afraid the {days}-day return window for this product has passed. As a goodwill gesture I can offer "
            "a free check-up and a discount on an accessory.",
        ),
    ],
    "replacement": [
        (
            "Replacement for a faulty {product}",
            "Hello, the {product} I received only a few days ago is already "
            "faulty. I would prefer a replacement rather than a repair. Serial {serial}.",
        ),
        (
            "Dead on arrival",
            "Hi, my new {product} doesn't start at all, straight out of the box. Please replace "
            "it. Order {order}, serial {serial}.",
        ),
        (
            "Second fault, please replace",
            "Hello, this is the second time my {product} has the same fault after a "
            "repair. I'm asking for a replacement unit. Serial number {serial}.",
        ),
    ],
    "refund": [
        (
            "Refund request for order {order}",
            "Hi, I returned the {product} from order {order} a week ago but I haven't received my money back yet. "
            "When will the refund arrive?",
            "I've checked order {order}: the refund of {amount} was issued today. Depending on your bank it can take "
            "3 to 5 working days to appear.",
        ),
        (
            "I was charged twice",
            "Hello, my card was charged twice for order {order}. Please refund the duplicate payment.",
            "I'm sorry for the trouble. I can confirm the duplicate charge and have refunded {amount} to your card.",
        ),
        (
            "Refund instead of exchange",
            "Hi, I'd like a refund for the {product} instead of an exchange. The model I wanted is out of stock. "
            "Order {order}.",
            "Of course. Your refund of {amount} has been approved and will go back to the original payment method.",
        ),
        (
            "Price dropped after I bought",
            "Hello, the {product} I bought (order {order}) is now on sale for much less. Can you refund the "
            "difference?",
            "Our price protection covers 14 days after purchase, and you're within it. I've refunded the difference "
            "to your card.",
        ),
        (
            "Cancelled order still charged",
            "Hi, I cancelled order {order} the same day but the amount was still taken from my account. Please "
            "refund it.",
            "I've passed your request to our finance team with priority. The refund of {amount} will be processed "
            "within two working days.",
        ),
        (
            "Refund for missing accessory",
            "Hello, the {product} was delivered without the accessory listed in the order. I'd like a partial refund "
            "for it. Order {order}.",
            "You're right, the accessory was missing. I've issued a partial refund to your card; you'll see it in a "
            "few days.",
        ),
    ],
    "install": [
        (
            "Booking installation for my {product}",
            "Hi, my {product} was delivered today. When can a technician "
            "come to install it? I'm home most afternoons.",
        ),
        (
            "Installation appointment",
            "Hello, I'd like to book the free installation for the {product} from order "
            "{order}. Is Saturday possible?",
        ),
        (
            "Wall mounting the {product}",
            "Hi, can your technician mount the {product} on the wall? Do I need to buy "
            "the bracket separately?",
        ),
        (
            "Installer didn't show up",
            "Hello, the installation of my {product} was booked for today but nobody "
            "came and nobody called. Please reschedule.",
        ),
        (
            "Do I need a plumber for the {product}?",
            "Hi, before the installation of the {product}, do I need to "
            "prepare the water connection or will the technician do everything?",
        ),
        (
            "Installation to start the warranty",
            "Hello, I was told the warranty of the {product} only starts "
            "after the official installation. Please book it as soon as possible. Serial {serial}.",
        ),
    ],
    "maintenance": [
        (
            "Annual service for my {product}",
            "Hi, my {product} is about a year old. I'd like to book the annual "
            "service visit. Serial {serial}.",
        ),
        (
            "Filter replacement",
            "Hello, the {product} says the filter needs to be replaced. Can you send a "
            "technician or can I buy the filter from you?",
        ),
        (
            "Service before summer",
            "Hi, I'd like the {product} checked and cleaned before summer starts. What "
            "does the service cost now that the warranty may have ended?",
        ),
        (
            "Regular maintenance visit",
            "Hello, please schedule the periodic maintenance for my {product}. "
            "Weekday mornings suit me best.",
        ),
    ],
    "complaint": [
        (
            "Very disappointed with the delivery",
            "Hi, my order {order} arrived four days late and nobody informed me. I took a day off work to wait for "
            "it. This is not acceptable.",
            "I'm truly sorry. I've looked into order {order} and you're right: we should have told you about the "
            "delay. I've added a voucher to your account as an apology.",
        ),
        (
            "Rude staff at the store",
            "Hello, I visited your store yesterday to ask about my order {order} and the person at the counter was "
            "very rude to me. I'd like this looked into.",
            "Thank you for telling us, and I'm sorry. I've passed your complaint to the store manager, who will call "
            "you personally.",
        ),
        (
            "Nobody answers my e-mails",
            "Hi, I've written three times about order {order} and haven't had a single answer. I'm starting to "
            "regret buying from you.",
            "I apologise for the silence. I'm now handling your case personally and will keep you informed until "
            "it's resolved.",
        ),
        (
            "Repair is taking too long",
            "Hello, my device has been at your service centre for three weeks now. Every time I call I'm told "
            '"next week". I need a clear date.',
            "I've escalated the repair to the service centre manager and asked for a firm date. I'll call you "
            "tomorrow with the answer.",
        ),
        (
            "Charged for a repair under warranty",
            "Hi, I was asked to pay for a repair that should be covered by the warranty. I want the charge reversed. "
            "Order {order}.",
            "You're right: the repair is covered by the warranty. I've reversed the charge and you'll see the refund "
            "within a few days.",
        ),
        (
            "Waited on the phone for 40 minutes",
            "Hello, I waited on your hotline for 40 minutes and was then disconnected. Please call me back about "
            "order {order}.",
            "I'm sorry about the wait. One of our colleagues will call you back today about order {order}.",
        ),
    ],
    "feedback": [
        (
            "Thank you for the quick repair",
            "Hi, I just wanted to say thank you. The technician was on time, polite and fixed everything in half an "
            "hour.",
            "Thank you so much for your kind words! I've shared them with the technician and the team.",
        ),
        (
            "Suggestion for your website",
            "Hello, it would be great if your website showed the warranty end date of the products I bought. I "
            "always have to search for my invoices.",
            "Thank you for the suggestion; it's a good idea and I've passed it to our product team.",
        ),
        (
            "Great experience in the store",
            "Hi, the staff at your store were very helpful and explained the differences between the models "
            "patiently. Thank you.",
            "We really appreciate your feedback and have passed it on to the store team.",
        ),
        (
            "Packaging could be better",
            "Hello, my order {order} arrived fine but the packaging was quite thin for such an expensive item. Just "
            "feedback for the future.",
            "Thank you for letting us know. I've forwarded your comment to our logistics team.",
        ),
    ],
}

# The agent starts these cases (proactive outreach).
PROACTIVE = {
    "maintenance": [
        (
            "Your {product} is due for its service",
            "Hello {name},\n\nyour {product} (serial {serial}) is due for "
            "its periodic service. Regular service keeps it efficient and protects your warranty. Would you like us "
            "to book a visit?",
        ),
        (
            "Time to replace the filter",
            "Hello {name},\n\nit has been a while since the filter of your {product} "
            "was replaced. A fresh filter keeps performance up. Shall we send one or book a technician?",
        ),
    ],
    "training": [
        (
            "Tips for your new {product}",
            "Hello {name},\n\nthank you for choosing the {product}. We've put together "
            "a few tips to get more out of it; reply if you'd like a short guided session with one of our "
            "specialists.",
        ),
        (
            "Did you know your {product} can do this?",
            "Hello {name},\n\nmany owners of the {product} don't know "
            "about its energy-saving mode. Reply to this message and we'll show you how to set it up.",
        ),
    ],
    "feedback": [
        (
            "How is your {product} working?",
            "Hello {name},\n\nyou've had your {product} for a few weeks now. Is "
            "everything working as expected? We'd love to hear from you.",
        ),
        (
            "A quick check-in",
            "Hello {name},\n\nwe're checking in after your recent purchase (order {order}). If "
            "anything is unclear or not working, just reply to this message.",
        ),
    ],
}

REPLIES = {
    "fault": [
        "I'm sorry to hear about the problem with your {product}. I've checked serial {serial} and it's covered "
        "by the warranty. Please bring it to any of our service centres, or I can arrange a pick-up.",
        "Thank you for the details. Could you please send a photo or a short video of the problem and of the "
        "serial number label? It will help our technician diagnose it faster.",
        "I've booked a technician visit for {date}. The technician will call you about 30 minutes before "
        "arriving.",
        "Please try a full reset first: unplug the {product} for ten minutes, then switch it on again. If the "
        "problem remains, reply here and I'll book a repair straight away.",
        "I've arranged a courier to collect the {product} on {date} and take it to our service centre. Repairs "
        "usually take five to seven working days.",
        "I've checked serial {serial}: unfortunately the warranty has ended. I can offer a repair at a "
        "discounted rate and will send you the quote today.",
    ],
    "replacement": [
        "I'm sorry the {product} let you down so soon. Since it's within the first weeks, we'll replace it: a "
        "courier will bring the new unit and take the faulty one on {date}.",
        "Thank you. Before we replace it, our technician needs to confirm the fault. I've booked an inspection on "
        "{date}; if it's confirmed, the replacement is sent the same day.",
        "I've approved the replacement of the {product}. The new unit keeps the original warranty dates.",
    ],
    "install": [
        "Thank you. I've booked the installation of your {product} for {date}. The technician will call you "
        "before the visit.",
        "Installation of the {product} is free. Please make sure the water and power connections are within "
        "one metre of where it will stand. I've booked the visit for {date}.",
        "The wall bracket isn't included; our technician can bring one and you pay on site. I've noted it on "
        "your booking for {date}.",
        "I'm very sorry that nobody came. I've rebooked the installation as a priority for {date} and the team "
        "leader will call you.",
    ],
    "maintenance": [
        "I've scheduled the service visit for your {product} on {date}. The visit takes about an hour.",
        "You can order the original filter from our website, or our technician can replace it during a visit. "
        "I've reserved a slot on {date}, just in case.",
        "Regular maintenance keeps the {product} efficient. I've booked your visit for {date}.",
    ],
    "proactive": [
        "Thank you for your reply. I've booked it for {date}; the technician will call before coming.",
        "Glad to hear everything works well! We're here if you need anything.",
        "Great, I've scheduled a short session with a specialist on {date}.",
    ],
}

CUSTOMER_FOLLOWUPS = [
    "Thanks for the quick answer. I've attached the photos you asked for.",
    "The serial number on the sticker is {serial}. Let me know if you need anything else.",
    "I tried what you suggested but it didn't help; the problem is still there.",
    "That date works for me. Will the technician call before coming?",
    "OK, I'll bring it to the service centre tomorrow morning.",
    "Can you tell me how long it will take? I use it every day.",
    "I called yesterday as well but nobody could tell me anything, so I'm writing here again.",
    "Here is the order number again: {order}. Is there any update?",
]
CUSTOMER_THANKS = [
    "Everything works now, thank you very much!",
    "Thanks, that solved it.",
    "Great, received it today. Thank you for your help.",
    "Thank you, I appreciate how quickly you handled this.",
    "OK, thanks. You can close the request.",
]
CUSTOMER_REOPEN = [
    "Sorry, the problem came back after two days.",
    "I still haven't received anything, can you check again?",
    "It worked for a while but now it's doing the same thing again.",
    "The money hasn't arrived in my account yet.",
]
CUSTOMER_NUDGE = [
    "Any news on this? I haven't heard back yet.",
    "Just following up on my message, please let me know.",
    "Hello? I'm still waiting for an answer.",
]
PROACTIVE_REPLIES = [
    "Yes please, book a visit. Mornings are best for me.",
    "Thanks for the reminder! What would it cost?",
    "Everything is fine so far, thank you for checking.",
    "I'd like the guided session, please.",
]
AGENT_FOLLOWUPS = [
    "Thank you, I've received the photos and passed them to our technician.",
    "Thank you for your patience. The spare part has been ordered and should arrive within a week.",
    "I've checked with the service centre: the repair is in progress and I'll update you as soon as it's done.",
    "Thanks for trying. I've now booked a technician visit for {date}.",
    "Yes, the technician will call you about 30 minutes before arriving.",
    "I've escalated this to our senior technician to speed things up.",
    "Thank you for your patience. I've checked again and everything is on track; I'll confirm as soon as it's done.",
]
AGENT_CLOSING = [
    "I'm glad everything is sorted. I'll close this request now; just reply if you need anything else.",
    "Thank you for confirming. Have a great day!",
    "Happy to help. You'll receive a short survey about this request; we'd appreciate your answer.",
    "Thank you. The request is resolved; if the issue comes back, reply to this message and it will reopen.",
]
NOTES = [
    "Customer has contacted us twice about this; keep them updated proactively.",
    "Checked the order history: loyal customer with several purchases. Handle with care.",
    "Asked finance to confirm the payment before we go ahead.",
    "Spare part ordered from the supplier, ETA about a week.",
    "Escalated to the service centre manager.",
    "Customer prefers a phone call in the afternoon.",
    "Same issue reported on other units of this model; flagging it for the product team.",
    "Waiting for the courier to confirm the pick-up date.",
]
RESOLUTIONS = {
    "general": [
        "Information given to the customer.",
        "Order status checked and shared with the customer.",
        "Invoice sent to the customer.",
    ],
    "usage": [
        "Explained how to use the feature; customer confirmed it works.",
        "Sent the user guide and answered the question.",
        "Walked the customer through the settings.",
    ],
    "training": [
        "Guided session held; customer is comfortable using the product.",
        "Sent video guides and tips.",
    ],
    "fault": [
        "Repaired under warranty: faulty part replaced.",
        "Resolved by a reset and a firmware update.",
        "Technician visit: part replaced, unit tested.",
        "Out-of-warranty repair done at a discounted rate.",
    ],
    "replacement": [
        "Unit replaced; original warranty continues.",
        "Fault confirmed on inspection; unit replaced.",
    ],
    "return": [
        "Return accepted; item collected and checked.",
        "Wrong item exchanged for the ordered model.",
        "Return refused: outside the return window; free check-up offered.",
    ],
    "refund": ["Refund issued to the original payment method.", "Duplicate charge refunded."],
    "install": ["Installation completed and warranty activated.", "Installation rebooked and completed."],
    "maintenance": [
        "Periodic maintenance done; filter replaced.",
        "Service visit completed; unit cleaned and checked.",
    ],
    "complaint": [
        "Apologised; voucher added as goodwill.",
        "Complaint escalated to the store manager and answered.",
        "Charge reversed; process issue reported.",
    ],
    "feedback": ["Feedback passed on to the team.", "Suggestion forwarded to the product team."],
}
